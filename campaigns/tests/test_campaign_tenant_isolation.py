"""A chain's campaigns stay in that chain: the other chain's owner neither lists, reads, changes, sends nor sees the
results of them, both ways."""

from __future__ import annotations

from django_tenants.utils import schema_context

from accounts.access import resolve_access
from campaigns.models import Campaign
from campaigns.services import create_campaign, create_segment
from tests.fixtures import ChainWorld, api_as


def _campaign_of(world: ChainWorld) -> int:
    with schema_context(world.chain.schema_name):
        access = resolve_access(world.user("owner"), world.chain.id)
        segment = create_segment(access=access, name=f"All of {world.chain.slug}")
        return create_campaign(
            access=access,
            name=f"Campaign of {world.chain.slug}",
            segment=segment.pk,
            channels=["sms"],
            sms_text="Hello {{ first_name }}",
        ).pk


def test_each_chain_lists_only_its_own_campaigns(alpha: ChainWorld, beta: ChainWorld) -> None:
    _campaign_of(alpha)
    _campaign_of(beta)

    for world in (alpha, beta):
        names = {row["name"] for row in api_as(world, "owner").get("/api/v1/campaigns").json()["results"]}
        assert names == {f"Campaign of {world.chain.slug}"}


def test_the_other_chains_campaign_is_not_found_by_any_door(alpha: ChainWorld, beta: ChainWorld) -> None:
    for home, other in ((alpha, beta), (beta, alpha)):
        campaign_id = _campaign_of(home)
        with schema_context(other.chain.schema_name):
            assert not Campaign.objects.filter(pk=campaign_id).exists()
        api = api_as(other, "owner")

        assert api.get(f"/api/v1/campaigns/{campaign_id}").status_code == 404
        assert api.patch(f"/api/v1/campaigns/{campaign_id}", {"name": "Mine"}, format="json").status_code == 404
        assert api.post(f"/api/v1/campaigns/{campaign_id}/send").status_code == 404
        assert api.get(f"/api/v1/campaigns/{campaign_id}/results").status_code == 404
        with schema_context(home.chain.schema_name):
            assert Campaign.objects.get(pk=campaign_id).status == "draft"
