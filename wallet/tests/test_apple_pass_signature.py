"""The .pkpass: pass.json carries the card's facts and update address, manifest.json hashes every other file, and
`signature` is a detached PKCS#7 of the manifest by the pass certificate, verifiable up to the root through the
WWDR intermediate it carries; changing pass.json after signing is caught."""

from __future__ import annotations

import hashlib
import io
import json
import subprocess
import zipfile
from collections.abc import Callable
from pathlib import Path
from typing import Any

from guests.models import Guest
from loyalty.selectors import guest_balance
from tests.fixtures import ChainWorld
from wallet.models import WalletPlatform
from wallet.selectors import apple_pass_of_card
from wallet.services import issue_card
from wallet.tests.certificates import PASS_TYPE_ID, TEAM_ID, WalletCertificates


def _unzip(data: bytes) -> dict[str, bytes]:
    with zipfile.ZipFile(io.BytesIO(data)) as archive:
        return {name: archive.read(name) for name in archive.namelist()}


def _manifest_is_consistent(files: dict[str, bytes]) -> bool:
    manifest = json.loads(files["manifest.json"])
    others = set(files) - {"manifest.json", "signature"}
    return set(manifest) == others and all(
        manifest[name] == hashlib.sha1(files[name]).hexdigest()  # noqa: S324  (PassKit's manifest is SHA-1)
        for name in others
    )


def _openssl_verifies(signature: bytes, manifest: bytes, ca: Path, folder: Path) -> bool:
    (folder / "signature").write_bytes(signature)
    (folder / "manifest.json").write_bytes(manifest)
    result = subprocess.run(
        [
            "openssl",
            "cms",
            "-verify",
            "-binary",
            "-inform",
            "DER",
            "-in",
            str(folder / "signature"),
            "-content",
            str(folder / "manifest.json"),
            "-CAfile",
            str(ca),
            "-purpose",
            "any",
            "-out",
            "/dev/null",
        ],
        capture_output=True,
        check=False,
    )
    return result.returncode == 0


def test_pass_json_shows_the_cards_facts_and_update_address(
    alpha: ChainWorld, apple_wallet: WalletCertificates, guest: Guest, spend: Callable[..., Any]
) -> None:
    spend(guest, "1000")
    card = issue_card(guest=guest, platform=WalletPlatform.APPLE)
    files = _unzip(apple_pass_of_card(card))
    document = json.loads(files["pass.json"])
    assert document["passTypeIdentifier"] == PASS_TYPE_ID
    assert document["teamIdentifier"] == TEAM_ID
    assert document["serialNumber"] == card.serial
    assert document["authenticationToken"] == card.authentication_token
    assert document["webServiceURL"] == f"{alpha.chain.base_url}/wallet/apple"
    assert document["organizationName"] == alpha.chain.name
    assert document["barcodes"][0] == {
        "format": "PKBarcodeFormatQR",
        "message": guest.qr_token,
        "messageEncoding": "iso-8859-1",
        "altText": guest.card_number or "",
    }
    points = guest_balance(guest=guest).available
    assert points > 0
    assert document["storeCard"]["primaryFields"][0]["value"] == points
    assert {"icon.png", "icon@2x.png", "logo.png"} <= set(files)
    assert files["icon.png"].startswith(b"\x89PNG")


def test_signature_verifies_through_the_wwdr_intermediate_to_the_root(
    alpha: ChainWorld, apple_wallet: WalletCertificates, guest: Guest, tmp_path: Path
) -> None:
    files = _unzip(apple_pass_of_card(issue_card(guest=guest, platform=WalletPlatform.APPLE)))
    assert _manifest_is_consistent(files)
    assert _openssl_verifies(files["signature"], files["manifest.json"], apple_wallet.ca, tmp_path)


def test_a_pass_json_changed_after_signing_is_caught(
    alpha: ChainWorld, apple_wallet: WalletCertificates, guest: Guest, tmp_path: Path
) -> None:
    files = _unzip(apple_pass_of_card(issue_card(guest=guest, platform=WalletPlatform.APPLE)))
    files["pass.json"] = files["pass.json"].replace(b'"value": ', b'"value": 9', 1)
    assert not _manifest_is_consistent(files)
    manifest = json.loads(files["manifest.json"])
    manifest["pass.json"] = hashlib.sha1(files["pass.json"]).hexdigest()  # noqa: S324  (re-hashed by the forger)
    forged_manifest = json.dumps(manifest).encode()
    assert not _openssl_verifies(files["signature"], forged_manifest, apple_wallet.ca, tmp_path)
    assert _openssl_verifies(files["signature"], files["manifest.json"], apple_wallet.ca, tmp_path)


def test_the_signature_does_not_verify_against_a_root_that_did_not_issue_it(
    alpha: ChainWorld, apple_wallet: WalletCertificates, guest: Guest, tmp_path: Path
) -> None:
    files = _unzip(apple_pass_of_card(issue_card(guest=guest, platform=WalletPlatform.APPLE)))
    assert not _openssl_verifies(files["signature"], files["manifest.json"], apple_wallet.server_certificate, tmp_path)
