"""Who sees the liability page, its export and API: the owner and admins; managers and cashiers are refused
(the role map's VIEW_LIABILITY). The page speaks Russian by default."""

from __future__ import annotations

import pytest

from tests.fixtures import api_as, client_on, signed_in_client

PAGES = ["/analytics/liability/", "/analytics/liability/statement/?from=2026-01&to=2026-03"]
APIS = ["/api/v1/analytics/liability", "/api/v1/analytics/liability/statement?from=2026-01&to=2026-03"]


@pytest.mark.parametrize("role", ["owner", "admin"])
def test_owner_and_admin_open_the_page_export_and_api(alpha, role) -> None:
    client = signed_in_client(alpha, role)
    for path in PAGES:
        assert client.get(path).status_code == 200, path
    api = api_as(alpha, role)
    for path in APIS:
        assert api.get(path).status_code == 200, path


@pytest.mark.parametrize("role", ["manager", "cashier"])
def test_manager_and_cashier_are_refused(alpha, role) -> None:
    client = signed_in_client(alpha, role)
    for path in PAGES:
        assert client.get(path).status_code == 403, path
    assert client.post("/analytics/liability/refresh/").status_code == 403
    api = api_as(alpha, role)
    for path in APIS:
        response = api.get(path)
        assert response.status_code == 403, path
        assert "error" in response.json()
    assert api.post("/api/v1/analytics/liability/refresh").status_code == 403


def test_the_sidebar_links_the_page_for_the_owner_only(alpha) -> None:
    assert "/analytics/liability/" in signed_in_client(alpha, "owner").get("/analytics/").content.decode()
    assert "/analytics/liability/" not in signed_in_client(alpha, "manager").get("/analytics/").content.decode()


def test_page_renders_in_russian_by_default(alpha) -> None:
    client = client_on(alpha.host, language=None)
    client.force_login(alpha.user("owner"), backend="django.contrib.auth.backends.ModelBackend")
    page = client.get("/analytics/liability/").content.decode()
    assert 'lang="ru"' in page
    assert "Аналитика" in page  # the breadcrumb, through gettext
    assert "<th>Начислено</th>" in page  # the tables' "Issued"
