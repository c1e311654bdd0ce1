"""The OpenAPI document is generated once per process, URL map and language (bench/page_budget.py found it the one
page over budget, made afresh on every request): what it serves, on any chain's host and on later requests, is the
document drf-spectacular generates from the code."""

import yaml
from django.utils import translation
from drf_spectacular.generators import SchemaGenerator
from drf_spectacular.renderers import OpenApiYamlRenderer

from tests.fixtures import client_on


def _served(host: str) -> dict:  # type: ignore[type-arg]
    response = client_on(host).get("/api/schema/")
    assert response.status_code == 200
    return dict(yaml.safe_load(response.content))


def _operations(document: dict) -> dict[str, dict[str, str]]:  # type: ignore[type-arg]
    return {
        path: {method: operation["operationId"] for method, operation in item.items() if "operationId" in operation}
        for path, item in document["paths"].items()
    }


def test_the_served_document_is_the_generated_one_on_every_host_and_request(alpha, beta):
    first = _served(alpha.host)
    with translation.override("ru"):  # the chains' language
        document = SchemaGenerator(urlconf="maxloyalty.urls").get_schema(request=None, public=True)
        fresh = yaml.safe_load(OpenApiYamlRenderer().render(document))
    assert _operations(first) == _operations(fresh)
    assert first["components"]["schemas"].keys() == fresh["components"]["schemas"].keys()
    assert first == _served(beta.host) == _served(alpha.host)


def test_each_format_is_served_as_its_renderer_makes_it(alpha):
    """The rendered bytes are kept per format too: YAML and JSON each parse to the same document, with their own
    content type, on every request."""
    import json

    client = client_on(alpha.host)
    as_yaml = [client.get("/api/schema/") for _ in range(2)]
    as_json = [client.get("/api/schema/?format=json") for _ in range(2)]
    assert as_yaml[0].content == as_yaml[1].content
    assert as_json[0].content == as_json[1].content
    assert as_yaml[0]["Content-Type"].startswith("application/vnd.oai.openapi")
    assert as_json[0]["Content-Type"].startswith("application/vnd.oai.openapi+json")
    assert yaml.safe_load(as_yaml[0].content) == json.loads(as_json[0].content)
