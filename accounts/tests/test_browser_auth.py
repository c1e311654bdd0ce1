"""Browser sign-in, sign-out, password change and reset, Russian by default."""

import re

from django_tenants.utils import schema_context

from audit.models import AuditEntry
from tests.fixtures import PASSWORD, client_on, signed_in_client


def test_sign_in_page_is_russian_by_default(alpha):
    response = client_on(alpha.host, language=None).get("/accounts/login/")
    assert response["Content-Language"] == "ru"
    assert "Пароль" in response.content.decode()


def test_language_switch_to_english_sticks(alpha):
    client = client_on(alpha.host, language=None)
    client.post("/i18n/setlang/", {"language": "en", "next": "/accounts/login/"})
    assert "Password" in client.get("/accounts/login/").content.decode()


def test_sign_in_requires_csrf_token(alpha):
    client = client_on(alpha.host)
    client.handler.enforce_csrf_checks = True
    response = client.post("/accounts/login/", {"email": "owner@alpha.test", "password": PASSWORD})
    assert response.status_code == 403


def test_owner_signs_in_and_sees_dashboard_shell(alpha):
    client = client_on(alpha.host)
    response = client.post("/accounts/login/", {"email": "OWNER@alpha.test", "password": PASSWORD}, follow=True)
    page = response.content.decode()
    assert response.redirect_chain[-1][0] == "/dashboard/"
    assert "<h1>Dashboard</h1>" in page
    assert 'data-testid="restaurants-open">2 / 2<' in page


def test_sign_out_ends_the_session(alpha):
    client = signed_in_client(alpha, "owner")
    assert client.post("/accounts/logout/").status_code == 302
    assert client.get("/dashboard/").status_code == 302


def test_password_change_is_audited_and_new_password_works(alpha):
    client = signed_in_client(alpha, "admin")
    response = client.post(
        "/accounts/password/change/",
        {"old_password": PASSWORD, "new_password1": "brand-new-Passw0rd", "new_password2": "brand-new-Passw0rd"},
    )
    assert response.status_code == 302
    assert AuditEntry.objects.filter(action="user.password_changed", actor=alpha.user("admin")).exists()
    fresh = client_on(alpha.host)
    assert (
        fresh.post("/accounts/login/", {"email": "admin@alpha.test", "password": "brand-new-Passw0rd"}).status_code
        == 302
    )


def test_password_reset_mails_a_working_link_to_members_only(alpha, beta, mailoutbox):
    client = client_on(alpha.host)
    client.post("/accounts/password/reset/", {"email": "owner@beta.test"})
    assert mailoutbox == []  # not staff of alpha: no mail from alpha's host
    client.post("/accounts/password/reset/", {"email": "cashier@alpha.test"})
    assert len(mailoutbox) == 1
    link = re.search(r"https?://[^\s]+/accounts/password/reset/[^\s]+/", mailoutbox[0].body).group(0)
    path = link.split(alpha.host, 1)[1]
    form_page = client.get(path, follow=True)
    set_password_path = form_page.redirect_chain[-1][0]
    done = client.post(set_password_path, {"new_password1": "reset-Passw0rd-77", "new_password2": "reset-Passw0rd-77"})
    assert done.status_code == 302
    assert (
        client_on(alpha.host)
        .post("/accounts/login/", {"email": "cashier@alpha.test", "password": "reset-Passw0rd-77"})
        .status_code
        == 302
    )


def test_login_redirect_never_leaves_the_site(alpha):
    response = client_on(alpha.host).post(
        "/accounts/login/", {"email": "owner@alpha.test", "password": PASSWORD, "next": "https://evil.example/"}
    )
    assert response["Location"] == "/dashboard/"


def test_times_on_pages_use_the_chain_time_zone(alpha):
    with schema_context(alpha.chain.schema_name):
        response = signed_in_client(alpha, "owner").get("/dashboard/")
    assert response.context["TIME_ZONE"] == alpha.chain.time_zone
