"""People get readable error pages (status, a sentence, a way back), in the chosen language; the API gets JSON."""

from __future__ import annotations

from tests.fixtures import signed_in_client


def test_a_missing_page_is_a_readable_404(alpha):
    response = signed_in_client(alpha, "owner").get("/no-such-page/")
    page = response.content.decode()
    assert response.status_code == 404
    assert response["Content-Type"].startswith("text/html")
    assert "<h1>404</h1>" in page and 'href="/"' in page


def test_a_page_beyond_the_role_is_a_readable_403(alpha):
    response = signed_in_client(alpha, "manager").get("/staff/")
    page = response.content.decode()
    assert response.status_code == 403
    assert "<h1>403</h1>" in page and "permission" in page


def test_an_unknown_api_path_is_the_uniform_json_error(alpha):
    response = signed_in_client(alpha, "owner").get("/api/v1/no-such-thing")
    assert response.status_code == 404
    assert response.json()["error"]["code"] == "not_found"
