"""The email's and SMS's signed link opens a page without signing in, in the guest's language, with five choices and a
comment box; it stores the rating (a second answer changes it). A forged, altered, foreign or expired link gets a
readable page, never an error, and writes nothing."""

from __future__ import annotations

import datetime

from django.core import signing
from django_tenants.utils import schema_context

from feedback.models import VisitRating
from feedback.rating_links import rating_token
from feedback.tests.conftest import link_token
from tests.fixtures import client_on


def test_the_page_shows_five_choices_in_the_guests_language(alpha, asked):
    request = asked(email="rus@example.com", language="ru", first_name="Ольга")

    response = client_on(alpha.host, language=None).get(f"/feedback/rate/{link_token(request)}/")

    assert response.status_code == 200
    page = response.content.decode()
    assert 'name="viewport"' in page
    assert page.count('type="radio" name="score"') == 5
    assert 'name="comment"' in page
    assert "Как прошёл ваш визит, Ольга?" in page
    assert "Отправить" in page


def test_a_choice_and_a_comment_are_stored_and_a_second_answer_changes_them(alpha, asked):
    request = asked(email="petr@example.com")
    url = f"/feedback/rate/{link_token(request)}/"
    browser = client_on(alpha.host)

    first = browser.post(url, {"score": "4", "comment": "Nice terrace"})
    second = browser.post(url, {"score": "2", "comment": "Actually the bill took 40 minutes"})

    assert first.status_code == second.status_code == 200
    assert "Thank you!" in second.content.decode()
    rating = VisitRating.objects.get(guest=request.guest)
    assert (rating.score, rating.comment, rating.channel) == (2, "Actually the bill took 40 minutes", "email")
    assert VisitRating.objects.filter(guest=request.guest).count() == 1


def test_a_score_outside_one_to_five_is_refused_on_the_page(alpha, asked):
    request = asked(email="ivan@example.com")

    response = client_on(alpha.host).post(f"/feedback/rate/{link_token(request)}/", {"score": "6"})

    assert response.status_code == 422
    assert "Choose a rating from 1 to 5." in response.content.decode()
    assert not VisitRating.objects.filter(guest=request.guest).exists()


def test_a_forged_or_altered_link_is_refused_readably(alpha, asked):
    request = asked(email="mila@example.com")
    forged = signing.dumps({"request": request.pk, "chain": alpha.chain.schema_name}, salt="another.salt")
    browser = client_on(alpha.host)

    refused = [
        browser.post(f"/feedback/rate/{token}/", {"score": "1"})
        for token in (forged, link_token(request)[:-2] + "xx", "nonsense")
    ]

    assert [response.status_code for response in refused] == [404, 404, 404]
    assert all("This rating link is not valid." in response.content.decode() for response in refused)
    assert not VisitRating.objects.exists()


def test_an_expired_link_says_so(alpha, asked, monkeypatch):
    request = asked(email="old@example.com")
    token = link_token(request)
    eight_days_later = datetime.datetime.now(tz=datetime.UTC).timestamp() + 8 * 86400
    monkeypatch.setattr("time.time", lambda: eight_days_later)

    response = client_on(alpha.host).post(f"/feedback/rate/{token}/", {"score": "1"})

    assert response.status_code == 410
    assert "This rating link has expired." in response.content.decode()
    assert not VisitRating.objects.exists()


def test_a_link_of_one_chain_opens_nothing_on_another(alpha, beta, asked):
    request = asked(email="cross@example.com")
    token = link_token(request)

    response = client_on(beta.host).post(f"/feedback/rate/{token}/", {"score": "1"})

    assert response.status_code == 404
    assert not VisitRating.objects.exists()
    with schema_context(beta.chain.schema_name):
        assert not VisitRating.objects.exists()


def test_another_chains_link_naming_this_chains_request_opens_nothing(alpha, beta, asked):
    request = asked(email="other-way@example.com")
    beta_token = rating_token(request_id=request.pk, schema_name=beta.chain.schema_name)  # as beta's tick signs

    response = client_on(alpha.host).post(f"/feedback/rate/{beta_token}/", {"score": "1"})

    assert response.status_code == 404
    assert not VisitRating.objects.exists()
