"""Apple Wallet's `.pkpass`: a zip of pass.json, its images, manifest.json (SHA-1 of every other file) and
`signature`, a detached PKCS#7 (DER) signature of manifest.json by the Pass Type ID certificate that carries
Apple's WWDR intermediate. Pure: certificates come in as objects, the card's content as CardFacts.

Field names: https://developer.apple.com/documentation/walletpasses/pass (storeCard, barcodes, webServiceURL).
"""

from __future__ import annotations

import hashlib
import io
import json
import struct
import zipfile
import zlib
from dataclasses import dataclass
from typing import Any

from cryptography import x509
from cryptography.hazmat.primitives import hashes, serialization
from cryptography.hazmat.primitives.asymmetric import ec, rsa
from cryptography.hazmat.primitives.serialization import pkcs7
from django.conf import settings
from django.utils.translation import gettext as _

from wallet.configuration import pem_bytes

PKPASS_CONTENT_TYPE = "application/vnd.apple.pkpass"


@dataclass(frozen=True)
class PassSigner:
    pass_type_id: str
    team_id: str
    certificate: x509.Certificate
    key: rsa.RSAPrivateKey | ec.EllipticCurvePrivateKey
    wwdr: x509.Certificate


def signer_from_settings() -> PassSigner:
    """The Pass Type ID certificate, its key and the WWDR intermediate named by settings (PEM text or paths)."""
    password = settings.APPLE_PASS_KEY_PASSWORD.encode() or None
    key = serialization.load_pem_private_key(pem_bytes(settings.APPLE_PASS_KEY), password=password)
    if not isinstance(key, rsa.RSAPrivateKey | ec.EllipticCurvePrivateKey):
        raise ValueError("APPLE_PASS_KEY must be an RSA or EC private key")
    return PassSigner(
        pass_type_id=settings.APPLE_PASS_TYPE_ID,
        team_id=settings.APPLE_TEAM_ID,
        certificate=x509.load_pem_x509_certificate(pem_bytes(settings.APPLE_PASS_CERTIFICATE)),
        key=key,
        wwdr=x509.load_pem_x509_certificate(pem_bytes(settings.APPLE_WWDR_CERTIFICATE)),
    )


@dataclass(frozen=True)
class PassContent:
    """What one pass shows (wallet.selectors.CardFacts, with the card's serial, token and update address)."""

    serial: str
    authentication_token: str
    web_service_url: str
    chain_name: str
    logo_png: bytes | None
    background_color: str
    foreground_color: str
    label_color: str
    background_rgb: tuple[int, int, int]
    guest_name: str
    level_name: str
    points: int
    qr_value: str
    card_number: str


def solid_png(width: int, height: int, rgb: tuple[int, int, int]) -> bytes:
    """A PNG of one colour (the icon, and the logo of a chain without a PNG logo)."""

    def chunk(kind: bytes, data: bytes) -> bytes:
        return struct.pack(">I", len(data)) + kind + data + struct.pack(">I", zlib.crc32(kind + data) & 0xFFFFFFFF)

    row = b"\x00" + bytes(rgb) * width
    header = struct.pack(">IIBBBBB", width, height, 8, 2, 0, 0, 0)
    return (
        b"\x89PNG\r\n\x1a\n"
        + chunk(b"IHDR", header)
        + chunk(b"IDAT", zlib.compress(row * height))
        + chunk(b"IEND", b"")
    )


def pass_json(content: PassContent, signer: PassSigner) -> dict[str, Any]:
    barcode = {
        "format": "PKBarcodeFormatQR",
        "message": content.qr_value,
        "messageEncoding": "iso-8859-1",
        "altText": content.card_number,
    }
    secondary = [{"key": "level", "label": _("Level"), "value": content.level_name or "—"}]
    if content.guest_name:
        secondary.append({"key": "guest", "label": _("Guest"), "value": content.guest_name})
    return {
        "formatVersion": 1,
        "passTypeIdentifier": signer.pass_type_id,
        "teamIdentifier": signer.team_id,
        "serialNumber": content.serial,
        "organizationName": content.chain_name,
        "description": _("%(chain)s loyalty card") % {"chain": content.chain_name},
        "logoText": content.chain_name,
        "backgroundColor": content.background_color,
        "foregroundColor": content.foreground_color,
        "labelColor": content.label_color,
        "webServiceURL": content.web_service_url,
        "authenticationToken": content.authentication_token,
        "barcodes": [barcode],
        "barcode": barcode,  # iOS 8 and older read only this one
        "storeCard": {
            "headerFields": [{"key": "points-header", "label": _("Points"), "value": content.points}],
            "primaryFields": [
                {
                    "key": "points",
                    "label": _("Points"),
                    "value": content.points,
                    "changeMessage": _("Your balance is now %@ points"),
                }
            ],
            "secondaryFields": secondary,
            "backFields": [
                {"key": "card", "label": _("Card number"), "value": content.card_number or "—"},
                {"key": "how", "label": _("How to use"), "value": _("Show the QR code at the till.")},
            ],
        },
    }


def sign_manifest(manifest: bytes, signer: PassSigner) -> bytes:
    """The detached PKCS#7 signature (DER) of manifest.json, with the WWDR intermediate in its certificates."""
    return (
        pkcs7.PKCS7SignatureBuilder()
        .set_data(manifest)
        .add_signer(signer.certificate, signer.key, hashes.SHA256())
        .add_certificate(signer.wwdr)
        .sign(serialization.Encoding.DER, [pkcs7.PKCS7Options.DetachedSignature, pkcs7.PKCS7Options.Binary])
    )


def build_pkpass(content: PassContent, signer: PassSigner) -> bytes:
    """The signed .pkpass archive's bytes."""
    icon = solid_png(29, 29, content.background_rgb)
    files: dict[str, bytes] = {
        "pass.json": json.dumps(pass_json(content, signer), ensure_ascii=False, indent=1).encode(),
        "icon.png": icon,
        "icon@2x.png": solid_png(58, 58, content.background_rgb),
        "logo.png": content.logo_png or solid_png(160, 50, content.background_rgb),
    }
    # PassKit's manifest is SHA-1 of each file by definition: an integrity list that the signature covers.
    manifest = json.dumps(
        {name: hashlib.sha1(data, usedforsecurity=False).hexdigest() for name, data in files.items()}
    ).encode()
    files["manifest.json"] = manifest
    files["signature"] = sign_manifest(manifest, signer)
    buffer = io.BytesIO()
    with zipfile.ZipFile(buffer, "w", compression=zipfile.ZIP_DEFLATED) as archive:
        for name, data in files.items():
            archive.writestr(name, data)
    return buffer.getvalue()
