"""A chain's drafts and backtests are its own: the other chain's owner finds neither, in either direction."""

import pytest
from django_tenants.utils import schema_context

from loyalty.models import Backtest
from loyalty.services import create_draft, start_backtest
from tests.fixtures import api_as, signed_in_client


def _draft_and_backtest(world):
    with schema_context(world.chain.schema_name):
        draft = create_draft(actor=None, name=f"Draft of {world.chain.slug}")
        backtest = start_backtest(draft=draft, days=30, actor=None)
    return draft, backtest


@pytest.mark.parametrize(("owner_of", "other"), [("alpha", "beta"), ("beta", "alpha")])
def test_other_chain_sees_no_draft_or_backtest(request, owner_of, other):
    world, stranger = request.getfixturevalue(owner_of), request.getfixturevalue(other)
    draft, backtest = _draft_and_backtest(world)
    # Ids of one chain are not rows of the other (each has its own sequences, started apart or not: none exist).
    with schema_context(stranger.chain.schema_name):
        assert not Backtest.objects.filter(pk=backtest.pk).exists()
    api = api_as(stranger, "owner")
    assert api.get(f"/api/v1/loyalty/drafts/{draft.pk}").status_code == 404
    assert api.get(f"/api/v1/loyalty/backtests/{backtest.pk}").status_code == 404
    assert api.post(f"/api/v1/loyalty/drafts/{draft.pk}/publish", {}, format="json").status_code == 404
    client = signed_in_client(stranger, "owner")
    assert client.get(f"/loyalty/drafts/{draft.pk}/").status_code == 404
    assert client.get(f"/loyalty/backtests/{backtest.pk}/").status_code == 404
    assert draft.name not in client.get("/loyalty/drafts/").content.decode()
