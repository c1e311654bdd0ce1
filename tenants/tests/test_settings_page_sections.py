"""The settings page gathers the chain's POS connections (status, last error, a way to their secrets), the Telegram
bot and the bot's automatic messages as guests read them in each language, under the layout's breadcrumbs."""

from __future__ import annotations

from pos.models import ConnectionStatus
from pos.services import create_connection
from tests.fixtures import signed_in_client


def test_connections_with_their_status_and_last_error_are_listed(alpha):
    connection, _issued = create_connection(
        actor=alpha.user("owner"), restaurant=alpha.restaurants[0], kind="webhook", name="Main till"
    )
    type(connection).objects.filter(pk=connection.pk).update(
        status=ConnectionStatus.FAILING, last_error="401 from the POS: token expired"
    )
    page = signed_in_client(alpha, "admin").get("/settings/").content.decode()
    assert "Main till" in page
    assert "401 from the POS: token expired" in page
    assert f'href="/restaurants/{alpha.restaurants[0].pk}/"' in page
    assert 'href="/settings/telegram/"' in page
    assert '<nav class="breadcrumbs"' in page


def test_the_bot_messages_are_shown_in_russian_and_english(alpha):
    page = signed_in_client(alpha, "owner").get("/settings/").content.decode()
    section = page[page.index('id="notification-messages"') :]
    assert "+120 points" in section and "+120 баллов" in section
    assert "Happy birthday! We have added 300 points to your card." in section
    assert "Gold" in section
