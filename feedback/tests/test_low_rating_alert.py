"""A low rating (at or below the chain's threshold) is sent at once, in the chain's language, to the staff the
chain chose: by default the managers of the visit's restaurant; once per rating; a good rating alerts nobody. Staff
who linked Telegram get it there, the rest by email."""

from __future__ import annotations

from django.core import mail

from accounts.models import Role, User
from accounts.services import grant_membership
from feedback.models import AlertRecipients
from feedback.services import rate_visit_by_link, update_feedback_settings
from feedback.tests.conftest import link_token
from tests.fixtures import PASSWORD


def _alerts() -> list[mail.EmailMessage]:
    return [message for message in mail.outbox if message.subject.startswith("Низкая оценка")]


def _rate(request, score, comment="", django_capture_on_commit_callbacks=None):
    with django_capture_on_commit_callbacks(execute=True):
        return rate_visit_by_link(token=link_token(request), score=score, comment=comment)


def test_a_low_rating_emails_the_restaurants_manager_once(alpha, asked, django_capture_on_commit_callbacks):
    request = asked(email="low@example.com", first_name="Kira")

    _rate(request, 2, "Cold soup", django_capture_on_commit_callbacks=django_capture_on_commit_callbacks)
    _rate(request, 1, "", django_capture_on_commit_callbacks=django_capture_on_commit_callbacks)  # lower still

    alerts = _alerts()
    assert len(alerts) == 1
    assert alerts[0].to == [alpha.user(Role.MANAGER).email]
    assert alerts[0].subject == "Низкая оценка 2/5: Alpha Center"  # the chain's default language
    assert "Kira" in alerts[0].body and "Cold soup" in alerts[0].body


def test_a_good_rating_alerts_nobody(alpha, asked, django_capture_on_commit_callbacks):
    request = asked(email="good@example.com")

    _rate(request, 4, django_capture_on_commit_callbacks=django_capture_on_commit_callbacks)

    assert _alerts() == []


def test_a_manager_of_another_restaurant_is_not_alerted(alpha, asked, django_capture_on_commit_callbacks):
    riverside_manager = User.objects.create_user("riverside@alpha.test", PASSWORD)
    grant_membership(
        user=riverside_manager, chain_id=alpha.chain.id, role=Role.MANAGER, restaurants=alpha.restaurants[1:]
    )
    request = asked(email="center@example.com", restaurant=alpha.restaurants[0])

    _rate(request, 1, django_capture_on_commit_callbacks=django_capture_on_commit_callbacks)

    assert [alert.to for alert in _alerts()] == [[alpha.user(Role.MANAGER).email]]


def test_the_chain_can_alert_the_owners_and_admins_and_an_extra_address(
    alpha, asked, django_capture_on_commit_callbacks
):
    update_feedback_settings(
        actor=alpha.user(Role.OWNER), alert_recipients=AlertRecipients.OWNERS_AND_ADMINS, alert_email="qa@alpha.test"
    )
    request = asked(email="lead@example.com")

    _rate(request, 3, django_capture_on_commit_callbacks=django_capture_on_commit_callbacks)

    assert sorted(address for alert in _alerts() for address in alert.to) == sorted(
        [alpha.user(Role.OWNER).email, alpha.user(Role.ADMIN).email, "qa@alpha.test"]
    )


def test_a_comment_after_the_alert_is_passed_on_once(alpha, asked, django_capture_on_commit_callbacks):
    request = asked(email="later@example.com")
    _rate(request, 1, django_capture_on_commit_callbacks=django_capture_on_commit_callbacks)  # the bot's way: score

    _rate(request, 1, "Waited an hour", django_capture_on_commit_callbacks=django_capture_on_commit_callbacks)
    _rate(request, 1, "Waited an hour!", django_capture_on_commit_callbacks=django_capture_on_commit_callbacks)

    subjects = [message.subject for message in mail.outbox if "Alpha Center" in message.subject]
    assert subjects == ["Низкая оценка 1/5: Alpha Center", "Комментарий к низкой оценке 1/5: Alpha Center"]
    assert "Waited an hour" in mail.outbox[-1].body


def test_a_manager_who_linked_telegram_gets_the_alert_there(
    alpha, asked, link_staff_telegram, telegram_api, django_capture_on_commit_callbacks
):
    link_staff_telegram(Role.MANAGER, 770_001)
    request = asked(email="tg@example.com", first_name="Lev")
    telegram_api.calls.clear()

    _rate(request, 2, "Slow", django_capture_on_commit_callbacks=django_capture_on_commit_callbacks)

    [alert] = telegram_api.texts(770_001)
    assert alert.startswith("Низкая оценка 2/5: Alpha Center")
    assert "Lev" in alert and "Slow" in alert
    assert _alerts() == []  # not emailed as well


def test_linked_and_unlinked_staff_each_get_one_alert(
    alpha, asked, link_staff_telegram, telegram_api, django_capture_on_commit_callbacks
):
    update_feedback_settings(actor=alpha.user(Role.OWNER), alert_recipients=AlertRecipients.MANAGERS_AND_ADMINS)
    link_staff_telegram(Role.ADMIN, 770_002)
    request = asked(email="mixed@example.com")
    telegram_api.calls.clear()

    _rate(request, 1, django_capture_on_commit_callbacks=django_capture_on_commit_callbacks)

    assert len(telegram_api.texts(770_002)) == 1
    assert sorted(address for alert in _alerts() for address in alert.to) == sorted(
        [alpha.user(Role.MANAGER).email, alpha.user(Role.OWNER).email]
    )
