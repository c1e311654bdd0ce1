"""The chain's logo is shown in the staff pages' header and the Telegram Mini App from its public address, which
holds the file's random name: the current logo is served to anyone, a replaced one or another chain's is not found."""

from django.core.files.uploadedfile import SimpleUploadedFile
from django_tenants.utils import schema_context

from tenants.models import Chain
from tenants.services import set_chain_logo
from tenants.tests.test_chain_logo_upload import PNG
from tests.fixtures import client_on, signed_in_client
from tests.object_storage import downloaded


def _with_logo(world, content=PNG):
    return set_chain_logo(chain=world.chain, actor=world.user("owner"), upload=SimpleUploadedFile("logo.png", content))


def test_anyone_gets_the_current_logo_from_its_address_as_an_image(alpha, chain_storage):
    chain = _with_logo(alpha)
    response = client_on(alpha.host).get(f"/logo/{chain.logo_file_name}")
    assert response.status_code == 200  # streamed from both homes: same origin for the pages' CSP, cacheable
    assert downloaded(response) == PNG
    assert response["Content-Type"] == "image/png"
    assert "immutable" in response["Cache-Control"]
    assert chain.logo_url == f"{alpha.chain.base_url}/logo/{chain.logo_file_name}"


def test_the_header_and_the_mini_app_show_the_logo(alpha, chain_storage):
    address = f"/logo/{_with_logo(alpha).logo_file_name}"
    assert f'src="{address}"' in signed_in_client(alpha, "manager").get("/dashboard/").content.decode()
    assert f'src="{address}"' in client_on(alpha.host).get("/telegram/app/").content.decode()


def test_a_replaced_logos_address_is_not_found(alpha, chain_storage):
    old = _with_logo(alpha).logo_file_name
    _with_logo(alpha, PNG + b"\0")
    assert client_on(alpha.host).get(f"/logo/{old}").status_code == 404


def test_another_chains_host_does_not_serve_this_chains_logo(alpha, beta, chain_storage):
    name = _with_logo(alpha).logo_file_name
    with schema_context(beta.chain.schema_name):
        assert client_on(beta.host).get(f"/logo/{name}").status_code == 404


def test_a_logo_name_outside_the_chains_prefix_is_not_found(alpha, beta, chain_storage):
    chain = _with_logo(alpha)
    Chain.objects.filter(pk=beta.chain.pk).update(logo=chain.logo)  # a row naming another chain's file
    assert client_on(beta.host).get(f"/logo/{chain.logo_file_name}").status_code == 404
