"""In S3, a chain's file is downloaded through a short-lived signed URL: it serves the bytes, then expires."""

import time

import httpx
import pytest

from maxloyalty.chain_files import FileKind, save_chain_file, signed_url
from tests.object_storage import ChainStorage, s3_storages


@pytest.fixture
def bucket(settings, s3_endpoint):
    storage = ChainStorage(home="s3", bucket="signed-urls", endpoint=s3_endpoint)
    storage.client().create_bucket(Bucket=storage.bucket)
    settings.STORAGES = s3_storages(bucket=storage.bucket, endpoint=s3_endpoint)
    return storage


def test_signed_url_serves_the_file_with_its_download_name(alpha, bucket):
    stored = save_chain_file(kind=FileKind.GUEST_EXPORT, name="guests.csv", content=b"phone\n+79161234567\n")
    fetched = httpx.get(signed_url(name=stored, download_name="Гости.csv"))
    assert fetched.status_code == 200
    assert fetched.content == b"phone\n+79161234567\n"
    assert "attachment" in fetched.headers["content-disposition"]
    assert "%D0%93%D0%BE%D1%81%D1%82%D0%B8.csv" in fetched.headers["content-disposition"]


def test_signed_url_stops_working_after_its_lifetime(alpha, bucket):
    stored = save_chain_file(kind=FileKind.GUEST_EXPORT, name="guests.csv", content=b"secret rows")
    url = signed_url(name=stored, download_name="guests.csv", lifetime=1)
    time.sleep(2)
    assert httpx.get(url).status_code == 403


def test_signed_url_is_made_for_the_public_endpoint_when_it_differs(alpha, bucket, settings):
    stored = save_chain_file(kind=FileKind.LOGO, name="logo.png", content=b"png")
    public = bucket.endpoint.replace("127.0.0.1", "localhost")
    settings.S3_PUBLIC_ENDPOINT_URL = public
    url = signed_url(name=stored, download_name="logo.png")
    assert url.startswith(f"{public}/{bucket.bucket}/chains/")
    assert httpx.get(url).content == b"png"
