"""Throwaway certificates for the wallet tests: a root CA, a "WWDR" intermediate it signs, a Pass Type ID
certificate the intermediate signs (its subject's UID is the pass type id, as Apple's are), and a TLS server
certificate for the fake APNs server. Written as PEM files into a folder."""

from __future__ import annotations

import datetime
from dataclasses import dataclass
from pathlib import Path

from cryptography import x509
from cryptography.hazmat.primitives import hashes, serialization
from cryptography.hazmat.primitives.asymmetric import rsa
from cryptography.x509.oid import NameOID

PASS_TYPE_ID = "pass.test.maxloyalty.card"
TEAM_ID = "TEAM123456"
KEY_PASSWORD = "pass-key-password"


@dataclass
class WalletCertificates:
    folder: Path
    ca: Path
    wwdr: Path
    pass_certificate: Path
    pass_key: Path
    server_certificate: Path
    server_key: Path


def _key() -> rsa.RSAPrivateKey:
    return rsa.generate_private_key(public_exponent=65537, key_size=2048)


def _certificate(
    subject: x509.Name,
    key: rsa.RSAPrivateKey,
    issuer: x509.Name,
    issuer_key: rsa.RSAPrivateKey,
    *,
    is_ca: bool,
    san: list[x509.GeneralName] | None = None,
) -> x509.Certificate:
    now = datetime.datetime.now(datetime.UTC)
    builder = (
        x509.CertificateBuilder()
        .subject_name(subject)
        .issuer_name(issuer)
        .public_key(key.public_key())
        .serial_number(x509.random_serial_number())
        .not_valid_before(now - datetime.timedelta(days=1))
        .not_valid_after(now + datetime.timedelta(days=30))
        .add_extension(x509.BasicConstraints(ca=is_ca, path_length=None), critical=True)
    )
    if is_ca:
        builder = builder.add_extension(
            x509.KeyUsage(False, False, False, False, False, True, True, False, False), critical=True
        )
    if san:
        builder = builder.add_extension(x509.SubjectAlternativeName(san), critical=False)
    return builder.sign(issuer_key, hashes.SHA256())


def _name(common_name: str, uid: str = "") -> x509.Name:
    attributes = [x509.NameAttribute(NameOID.COMMON_NAME, common_name)]
    if uid:
        attributes.insert(0, x509.NameAttribute(NameOID.USER_ID, uid))
    return x509.Name(attributes)


def _write(path: Path, data: bytes) -> Path:
    path.write_bytes(data)
    return path


def _pem(certificate: x509.Certificate) -> bytes:
    return certificate.public_bytes(serialization.Encoding.PEM)


def make_certificates(folder: Path) -> WalletCertificates:
    import ipaddress

    ca_key, wwdr_key, pass_key, server_key = _key(), _key(), _key(), _key()
    ca_name, wwdr_name = _name("Test Root CA"), _name("Test WWDR Intermediate")
    ca = _certificate(ca_name, ca_key, ca_name, ca_key, is_ca=True)
    wwdr = _certificate(wwdr_name, wwdr_key, ca_name, ca_key, is_ca=True)
    pass_certificate = _certificate(
        _name(f"Pass Type ID: {PASS_TYPE_ID}", uid=PASS_TYPE_ID), pass_key, wwdr_name, wwdr_key, is_ca=False
    )
    server = _certificate(
        _name("127.0.0.1"),
        server_key,
        ca_name,
        ca_key,
        is_ca=False,
        san=[x509.IPAddress(ipaddress.ip_address("127.0.0.1")), x509.DNSName("localhost")],
    )
    encrypted = serialization.BestAvailableEncryption(KEY_PASSWORD.encode())
    plain = serialization.NoEncryption()
    pem, pkcs8 = serialization.Encoding.PEM, serialization.PrivateFormat.PKCS8
    return WalletCertificates(
        folder=folder,
        ca=_write(folder / "ca.pem", _pem(ca)),
        wwdr=_write(folder / "wwdr.pem", _pem(wwdr)),
        pass_certificate=_write(folder / "pass.pem", _pem(pass_certificate)),
        pass_key=_write(folder / "pass-key.pem", pass_key.private_bytes(pem, pkcs8, encrypted)),
        server_certificate=_write(folder / "server.pem", _pem(server)),
        server_key=_write(folder / "server-key.pem", server_key.private_bytes(pem, pkcs8, plain)),
    )
