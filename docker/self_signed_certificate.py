"""A self-signed TLS certificate for a local production-like stack (compose's proxy, `make prod-smoke`).

    python docker/self_signed_certificate.py OUTPUT_DIR NAME [NAME ...]

writes OUTPUT_DIR/certificate.pem and OUTPUT_DIR/private_key.pem (readable by its owner only) for the DNS names and
IP addresses given; the first name is the subject. An existing pair is kept, so a restarted stack keeps the
certificate a browser was told to trust. Never for a public deployment: there a real CA signs (README, Operations).
"""

from __future__ import annotations

import datetime
import ipaddress
import os
import sys
from pathlib import Path

from cryptography import x509
from cryptography.hazmat.primitives import hashes, serialization
from cryptography.hazmat.primitives.asymmetric import ec
from cryptography.x509.oid import NameOID

VALID_DAYS = 365


def _subject_names(names: list[str]) -> list[x509.GeneralName]:
    entries: list[x509.GeneralName] = []
    for name in names:
        try:
            entries.append(x509.IPAddress(ipaddress.ip_address(name)))
        except ValueError:
            entries.append(x509.DNSName(name))
    return entries


def write_self_signed_certificate(directory: Path, names: list[str]) -> tuple[Path, Path]:
    """The certificate and key files in `directory`, made for `names` unless both are already there."""
    certificate_path, key_path = directory / "certificate.pem", directory / "private_key.pem"
    if certificate_path.exists() and key_path.exists():
        return certificate_path, key_path
    directory.mkdir(parents=True, exist_ok=True)
    key = ec.generate_private_key(ec.SECP256R1())
    subject = x509.Name([x509.NameAttribute(NameOID.COMMON_NAME, names[0])])
    now = datetime.datetime.now(datetime.UTC)
    certificate = (
        x509.CertificateBuilder()
        .subject_name(subject)
        .issuer_name(subject)
        .public_key(key.public_key())
        .serial_number(x509.random_serial_number())
        .not_valid_before(now - datetime.timedelta(minutes=5))
        .not_valid_after(now + datetime.timedelta(days=VALID_DAYS))
        .add_extension(x509.SubjectAlternativeName(_subject_names(names)), critical=False)
        # Its own authority, so a client can trust this one file (curl --cacert, httpx verify=...).
        .add_extension(x509.BasicConstraints(ca=True, path_length=0), critical=True)
        .sign(key, hashes.SHA256())
    )
    key_bytes = key.private_bytes(
        serialization.Encoding.PEM, serialization.PrivateFormat.PKCS8, serialization.NoEncryption()
    )
    descriptor = os.open(key_path, os.O_WRONLY | os.O_CREAT | os.O_TRUNC, 0o600)
    with os.fdopen(descriptor, "wb") as key_file:
        key_file.write(key_bytes)
    certificate_path.write_bytes(certificate.public_bytes(serialization.Encoding.PEM))
    return certificate_path, key_path


if __name__ == "__main__":
    if len(sys.argv) < 3:
        sys.exit(__doc__)
    for written in write_self_signed_certificate(Path(sys.argv[1]), sys.argv[2:]):
        print(written)
