"""A chain's segments and their guests stay in that chain: staff of the other chain find neither, both ways."""

from __future__ import annotations

from django_tenants.utils import schema_context

from accounts.access import resolve_access
from campaigns.models import Segment
from campaigns.services import create_segment
from guests.services import create_guest
from tests.fixtures import ChainWorld, api_as, api_on, api_token


def _segment_of(world: ChainWorld, tag: str, *, with_guest: bool = True) -> int:
    with schema_context(world.chain.schema_name):
        if with_guest:
            create_guest(access=None, phone="+79169990011", first_name=f"Guest of {world.chain.slug}", tags=[tag])
        access = resolve_access(world.user("owner"), world.chain.id)
        return create_segment(access=access, name=f"Tagged {tag}", filters={"tags": [tag]}).pk


def test_each_chain_lists_only_its_own_segments(alpha: ChainWorld, beta: ChainWorld) -> None:
    _segment_of(alpha, "alpha-only")
    _segment_of(beta, "beta-only")

    assert {row["name"] for row in api_as(alpha, "owner").get("/api/v1/segments").json()["results"]} == {
        "Tagged alpha-only"
    }
    assert {row["name"] for row in api_as(beta, "owner").get("/api/v1/segments").json()["results"]} == {
        "Tagged beta-only"
    }


def _ids(world: ChainWorld) -> set[int]:
    with schema_context(world.chain.schema_name):
        return set(Segment.objects.values_list("pk", flat=True))


def _id_only_in(world: ChainWorld, other: ChainWorld) -> int:
    """A segment id of `world` that names no segment of `other` (the schemas' sequences are separate)."""
    for number in range(len(_ids(other)) + 1):
        segment_id = _segment_of(world, f"only-{number}", with_guest=False)
        if segment_id not in _ids(other):
            return segment_id
    raise AssertionError("every new id was taken in the other chain")


def test_an_id_of_the_other_chain_is_not_found_either_way(alpha: ChainWorld, beta: ChainWorld) -> None:
    _segment_of(alpha, "alpha-only")
    _segment_of(beta, "beta-only")
    beta_id, alpha_id = _id_only_in(beta, alpha), _id_only_in(alpha, beta)

    assert api_as(alpha, "owner").get(f"/api/v1/segments/{beta_id}/preview").status_code == 404
    assert api_as(beta, "owner").get(f"/api/v1/segments/{alpha_id}").status_code == 404
    assert api_as(beta, "owner").delete(f"/api/v1/segments/{alpha_id}").status_code == 404
    assert alpha_id in _ids(alpha)


def test_the_other_chains_owner_is_refused_on_this_chains_host(alpha: ChainWorld, beta: ChainWorld) -> None:
    alpha_id = _segment_of(alpha, "alpha-only")
    intruder = api_on(alpha.host)
    intruder.credentials(HTTP_AUTHORIZATION=f"Bearer {api_token(beta, 'owner')}")

    assert intruder.get("/api/v1/segments").status_code in (401, 403)
    assert intruder.get(f"/api/v1/segments/{alpha_id}/preview").status_code in (401, 403)


def test_a_preview_counts_only_this_chains_guests(alpha: ChainWorld, beta: ChainWorld) -> None:
    alpha_id = _segment_of(alpha, "shared-tag")
    _segment_of(beta, "shared-tag")

    preview = api_as(alpha, "owner").get(f"/api/v1/segments/{alpha_id}/preview").json()

    assert preview["count"] == 1
    assert [member["name"] for member in preview["members"]] == ["Guest of alpha"]
