"""Fixtures of the campaigns tests: the acting staff member's access per role in chain alpha; a campaign world
(guests, a segment, a campaign sent by email through the fake SendGrid) built through the services."""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from typing import Any

import pytest

from accounts.access import ChainAccess, resolve_access
from campaigns.models import Campaign, Segment
from campaigns.sending import send_campaign_batch
from campaigns.services import create_campaign, create_segment, send_campaign
from guests.models import Guest
from guests.services import create_guest
from messaging.services import update_messaging_settings
from messaging.tests.conftest import _fake_sendgrid, next_phone, sendgrid  # noqa: F401
from tests.fixtures import ChainWorld
from tests.queued_tasks import queued_not_run  # noqa: F401  # a fixture


@pytest.fixture
def access_of(alpha: ChainWorld) -> Callable[[str], ChainAccess]:
    def resolve(role: str) -> ChainAccess:
        access = resolve_access(alpha.user(role), alpha.chain.id)
        assert access is not None
        return access

    return resolve


@pytest.fixture
def campaign_world(
    alpha: ChainWorld,
    sendgrid: Any,  # noqa: F811  # the messaging tests' fixture, imported above
    access_of: Callable[[str], ChainAccess],
    django_capture_on_commit_callbacks: Any,
) -> CampaignWorld:
    """Chain alpha with no quiet hours, email through the fake SendGrid, and a way to register tagged guests."""
    update_messaging_settings(actor=alpha.user("owner"), quiet_hours_start=None, quiet_hours_end=None)
    return CampaignWorld(alpha=alpha, email=sendgrid, owner=access_of("owner"), run=django_capture_on_commit_callbacks)


@dataclass
class CampaignWorld:
    alpha: ChainWorld
    email: Any  # messaging.tests.fake_email_providers.FakeProvider
    owner: ChainAccess
    run: Any  # django_capture_on_commit_callbacks: the queued tasks run (eagerly) when its block ends

    def guests(self, count: int, tag: str = "campaign") -> list[Guest]:
        return [
            create_guest(
                access=None,
                phone=next_phone(),
                first_name=f"Guest{number}",
                email=f"guest{number}.{tag}@example.com",
                tags=[tag],
                consents={"email": True},
                language="en",
            )
            for number in range(count)
        ]

    def segment(self, tag: str = "campaign") -> Segment:
        return create_segment(access=self.owner, name=f"Tagged {tag}", filters={"tags": [tag]})

    def campaign(self, segment: Segment, **fields: Any) -> Campaign:
        values: dict[str, Any] = {
            "name": "Autumn menu",
            "segment": segment.pk,
            "channels": ["email"],
            "email_subject": "Hello {{ first_name }}",
            "email_text": "Dear {{ first_name }}, our autumn menu is here.",
            **fields,
        }
        return create_campaign(access=self.owner, **values)

    def send_batches(self, campaign: Campaign) -> None:
        """Run the campaign's batch task (and the ones it queues), as a worker would."""
        with self.run(execute=True):
            send_campaign_batch(campaign_id=campaign.pk)

    def send(self, campaign: Campaign) -> Campaign:
        with self.run(execute=True):
            send_campaign(access=self.owner, campaign=campaign)
        campaign.refresh_from_db()
        return campaign
