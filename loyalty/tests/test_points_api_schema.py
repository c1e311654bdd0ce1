"""The OpenAPI schema documents the loyalty endpoints, their Idempotency-Key header and their refusals."""

import yaml

from tests.fixtures import client_on


def test_schema_documents_points_endpoints_and_refusals(alpha):
    response = client_on(alpha.host).get("/api/schema/")
    assert response.status_code == 200
    schema = yaml.safe_load(response.content)
    paths = schema["paths"]
    for path in (
        "/api/v1/guests/{guest_id}/transactions",
        "/api/v1/guests/{guest_id}/balance",
        "/api/v1/guests/{guest_id}/accrue",
        "/api/v1/guests/{guest_id}/adjust",
        "/api/v1/transactions/{entry_id}/reverse",
        "/api/v1/quote",
        "/api/v1/levels/{level_id}",
        "/api/v1/promos/{promo_id}/codes",
        "/api/v1/program",
    ):
        assert path in paths, path
    redeem = paths["/api/v1/guests/{guest_id}/redeem"]["post"]
    assert {"201", "200", "400", "403", "404", "409", "422"} <= set(redeem["responses"])
    assert "Not enough points" in redeem["responses"]["409"]["description"]
    assert any(
        parameter["name"] == "Idempotency-Key" and parameter["in"] == "header" for parameter in redeem["parameters"]
    )
