"""Calls to chain-configured POS addresses never reach our own network: refused at save time and at call time,
redirects re-checked, answers capped, and the stored error names no internal address."""

from __future__ import annotations

import gzip
import threading
from collections.abc import Iterator
from contextlib import contextmanager
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer

import pytest

from accounts.tokens import refresh_token_for
from maxloyalty import outbound
from pos.adapters.base import PosAddressRefused, PosUnavailable
from pos.models import PosConnection
from pos.services import create_connection, sync_connection
from pos.tests.fake_pos import fake_rkeeper
from tests.fixtures import api_on

INTERNAL = [
    "http://127.0.0.1:8080/rk7",
    "http://169.254.169.254/latest/meta-data/",
    "http://10.1.2.3:9000/x",
    "http://[::1]:8080/",
    "http://[fd00:ec2::254]/",
    "http://100.100.100.200/",
    "http://0.0.0.0:5432/",
    "http://localhost:6379/",
    "http://[::ffff:127.0.0.1]/",
]


@contextmanager
def _server(answer, host: str = "127.0.0.1") -> Iterator[tuple[str, list[str]]]:
    """A local HTTP server answering every request with answer(handler); yields its URL and the paths asked."""
    seen: list[str] = []

    class Handler(BaseHTTPRequestHandler):
        def do_POST(self) -> None:
            seen.append(self.path)
            length = int(self.headers.get("Content-Length") or 0)
            self.rfile.read(length)
            answer(self)

        do_GET = do_POST  # noqa: N815  (http.server's naming)

        def log_message(self, *args) -> None:
            pass

    server = ThreadingHTTPServer((host, 0), Handler)
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    try:
        yield f"http://{host}:{server.server_address[1]}", seen
    finally:
        server.shutdown()
        server.server_close()


def api_as(world, role):
    """An API client with an access token as sign-in issues it (without the sign-in's own throttle)."""
    client = api_on(world.host)
    token = refresh_token_for(world.user(role), world.chain.id).access_token
    client.credentials(HTTP_AUTHORIZATION=f"Bearer {token}")
    return client


def _rkeeper(alpha, url: str, credentials: dict | None = None) -> PosConnection:
    pos_connection, _ = create_connection(
        actor=alpha.user("owner"),
        restaurant=alpha.restaurants[0],
        kind="rkeeper",
        api_base_url=url,
        credentials=credentials or {"username": "u", "password": "p"},
    )
    return pos_connection


def _assert_no_address_in(text: str, *parts: str) -> None:
    for part in ("127.0.0", "169.254", "10.1.2.3", "::1", "localhost", "fd00", *parts):
        assert part not in text


@pytest.mark.parametrize("url", INTERNAL)
def test_saving_an_internal_pos_address_is_a_field_error_and_nothing_is_stored(alpha, settings, url):
    settings.OUTBOUND_ALLOWED_NETWORKS = []
    before = PosConnection.objects.count()
    response = api_as(alpha, "owner").post(
        "/api/v1/pos/connections",
        {
            "restaurant": alpha.restaurants[0].pk,
            "kind": "rkeeper",
            "api_base_url": url,
            "credentials": {"username": "u", "password": "p"},
        },
        format="json",
    )
    assert response.status_code in (400, 422)
    assert "api_base_url" in response.json()["error"]["fields"]
    assert PosConnection.objects.count() == before


def test_a_public_address_is_saved(alpha, settings):
    settings.OUTBOUND_ALLOWED_NETWORKS = []
    pos_connection = _rkeeper(alpha, "http://93.184.216.34/rk7api/v0/xmlinterface.xml")
    assert pos_connection.api_base_url.startswith("http://93.184.216.34")


def test_changing_the_address_to_an_internal_one_is_refused(alpha, settings):
    pos_connection = _rkeeper(alpha, "http://93.184.216.34/rk7")
    settings.OUTBOUND_ALLOWED_NETWORKS = []
    response = api_as(alpha, "owner").patch(
        f"/api/v1/pos/connections/{pos_connection.pk}", {"api_base_url": "http://169.254.169.254/"}, format="json"
    )
    assert response.status_code == 422
    pos_connection.refresh_from_db()
    assert pos_connection.api_base_url == "http://93.184.216.34/rk7"


def test_a_saved_loopback_address_is_refused_at_call_time_once_not_allowed(alpha, settings):
    with fake_rkeeper() as (url, state):
        pos_connection = _rkeeper(alpha, url)  # allowed while saving (test settings allow loopback)
        settings.OUTBOUND_ALLOWED_NETWORKS = []
        with pytest.raises(PosAddressRefused):
            sync_connection(connection_id=pos_connection.pk)
        assert state.requests == []
    pos_connection.refresh_from_db()
    assert "not allowed" in pos_connection.last_error
    _assert_no_address_in(pos_connection.last_error, url.split("//")[1].split("/")[0])


def test_a_pos_on_an_allowed_network_is_polled(alpha):
    with fake_rkeeper() as (url, state):
        pos_connection = _rkeeper(alpha, url, {"username": state.username, "password": state.password})
        run = sync_connection(connection_id=pos_connection.pk)
    assert run.status == "succeeded"
    assert state.requests


def test_a_hostname_resolving_to_a_private_address_is_refused(settings):
    settings.OUTBOUND_ALLOWED_NETWORKS = []
    with pytest.raises(outbound.AddressNotAllowed):
        outbound.check_url("http://localhost:8000/")
    client = outbound.outbound_client(timeout=2)
    with _server(lambda handler: handler.send_response(200) or handler.end_headers()) as (url, seen):
        port = url.rsplit(":", 1)[1]
        with pytest.raises(outbound.AddressNotAllowed):
            outbound.send(client, "GET", f"http://localhost:{port}/")
    assert seen == []


def test_a_name_is_connected_to_at_the_address_that_was_checked(settings):
    """The resolver answers once per call and the connection goes there (a second, rebound answer is never
    asked for); the Host header keeps the name."""
    settings.OUTBOUND_ALLOWED_NETWORKS = ["127.0.0.1/32"]
    answers = iter([["127.0.0.1"], ["10.0.0.1"]])
    hosts: list[str] = []

    def answer(handler):
        hosts.append(handler.headers["Host"])
        handler.send_response(204)
        handler.end_headers()

    with _server(answer) as (url, _seen):
        port = url.rsplit(":", 1)[1]
        client = outbound.outbound_client(timeout=2, resolver=lambda host, port: next(answers))
        assert outbound.send(client, "GET", f"http://pos.example:{port}/").status_code == 204
    assert hosts == [f"pos.example:{port}"]


def test_a_redirect_to_a_private_address_is_refused(settings, alpha):
    with _server(lambda handler: handler.send_response(204) or handler.end_headers(), host="127.0.0.2") as (
        inner_url,
        inner_seen,
    ):

        def redirect(handler):
            handler.send_response(307)
            handler.send_header("Location", inner_url + "/secret")
            handler.end_headers()

        with _server(redirect) as (url, seen):
            settings.OUTBOUND_ALLOWED_NETWORKS = ["127.0.0.1/32"]  # the POS itself; not where it redirects
            pos_connection = _rkeeper(alpha, url + "/rk7")
            with pytest.raises(PosAddressRefused):
                sync_connection(connection_id=pos_connection.pk)
            assert seen == ["/rk7"]
    assert inner_seen == []
    pos_connection.refresh_from_db()
    _assert_no_address_in(pos_connection.last_error, "secret", "127.0.0.2")


def test_a_redirect_to_an_allowed_address_is_followed(settings):
    settings.OUTBOUND_ALLOWED_NETWORKS = ["127.0.0.0/8"]
    with _server(lambda handler: handler.send_response(204) or handler.end_headers(), host="127.0.0.2") as (
        inner_url,
        inner_seen,
    ):

        def redirect(handler):
            handler.send_response(302)
            handler.send_header("Location", inner_url + "/next")
            handler.end_headers()

        with _server(redirect) as (url, _seen):
            response = outbound.send(outbound.outbound_client(timeout=2), "GET", url + "/")
    assert response.status_code == 204
    assert inner_seen == ["/next"]


def _body(data: bytes, *, length: bool = True, encoding: str = ""):
    def answer(handler):
        handler.send_response(200)
        if encoding:
            handler.send_header("Content-Encoding", encoding)
        if length:
            handler.send_header("Content-Length", str(len(data)))
        handler.end_headers()
        handler.wfile.write(data)
        handler.wfile.flush()

    return answer


@pytest.mark.parametrize(
    "answer",
    [
        _body(b"x" * 5000),
        _body(b"x" * 5000, length=False),
        _body(gzip.compress(b"<" * 200_000), encoding="gzip"),  # small on the wire, large once inflated
    ],
    ids=["declared", "undeclared", "inflated"],
)
def test_an_oversized_answer_is_cut_off_and_reported_without_detail(settings, alpha, answer):
    settings.OUTBOUND_MAX_RESPONSE_BYTES = 1000
    with _server(answer) as (url, _seen):
        pos_connection = _rkeeper(alpha, url + "/rk7")
        with pytest.raises(PosUnavailable):
            sync_connection(connection_id=pos_connection.pk)
    pos_connection.refresh_from_db()
    assert pos_connection.last_error == "rkeeper: The server's answer was too large."


def test_an_answer_within_the_cap_is_read(settings):
    settings.OUTBOUND_MAX_RESPONSE_BYTES = 1000
    with _server(_body(gzip.compress(b"y" * 900), encoding="gzip")) as (url, _seen):
        response = outbound.send(outbound.outbound_client(timeout=2), "GET", url)
    assert response.content == b"y" * 900


def test_an_unreachable_pos_is_stored_as_a_plain_network_error(alpha):
    pos_connection = _rkeeper(alpha, "http://127.0.0.1:9/rk7api")  # nothing listens on the discard port
    with pytest.raises(PosUnavailable):
        sync_connection(connection_id=pos_connection.pk)
    pos_connection.refresh_from_db()
    assert pos_connection.last_error == "rkeeper: The server could not be reached (network error)."


def _self_signed(tmp_path, name: str):
    """A certificate for `name` (its own trust anchor) and its key, as files."""
    import datetime as dt

    from cryptography import x509
    from cryptography.hazmat.primitives import hashes, serialization
    from cryptography.hazmat.primitives.asymmetric import ec
    from cryptography.x509.oid import NameOID

    key = ec.generate_private_key(ec.SECP256R1())
    subject = x509.Name([x509.NameAttribute(NameOID.COMMON_NAME, name)])
    now = dt.datetime.now(dt.UTC)
    certificate = (
        x509.CertificateBuilder()
        .subject_name(subject)
        .issuer_name(subject)
        .public_key(key.public_key())
        .serial_number(x509.random_serial_number())
        .not_valid_before(now - dt.timedelta(days=1))
        .not_valid_after(now + dt.timedelta(days=1))
        .add_extension(x509.SubjectAlternativeName([x509.DNSName(name)]), critical=False)
        .add_extension(x509.BasicConstraints(ca=True, path_length=None), critical=True)
        .sign(key, hashes.SHA256())
    )
    cert_file, key_file = tmp_path / f"{name}.pem", tmp_path / f"{name}.key"
    cert_file.write_bytes(certificate.public_bytes(serialization.Encoding.PEM))
    key_file.write_bytes(
        key.private_bytes(serialization.Encoding.PEM, serialization.PrivateFormat.PKCS8, serialization.NoEncryption())
    )
    return cert_file, key_file


@contextmanager
def _tls_server(cert_file, key_file) -> Iterator[int]:
    import ssl

    class Handler(BaseHTTPRequestHandler):
        def do_GET(self) -> None:
            self.send_response(204)
            self.end_headers()

        def log_message(self, *args) -> None:
            pass

    server = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
    context = ssl.SSLContext(ssl.PROTOCOL_TLS_SERVER)
    context.load_cert_chain(cert_file, key_file)
    server.socket = context.wrap_socket(server.socket, server_side=True)
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    try:
        yield server.server_address[1]
    finally:
        server.shutdown()
        server.server_close()


def test_https_to_the_pinned_address_still_verifies_the_certificate_for_the_name(settings, tmp_path):
    import ssl

    settings.OUTBOUND_ALLOWED_NETWORKS = ["127.0.0.1/32"]
    cert_file, key_file = _self_signed(tmp_path, "pos.example")
    trusted = ssl.create_default_context(cafile=str(cert_file))
    resolver = lambda host, port: ["127.0.0.1"]  # noqa: E731
    with _tls_server(cert_file, key_file) as port:
        client = outbound.outbound_client(timeout=5, resolver=resolver, verify=trusted)
        assert outbound.send(client, "GET", f"https://pos.example:{port}/").status_code == 204
        other = outbound.outbound_client(timeout=5, resolver=resolver, verify=trusted)
        with pytest.raises(outbound.ServerUnreachable):  # the certificate is not for this name
            outbound.send(other, "GET", f"https://other.example:{port}/")
