"""Copy-paste examples of a signed webhook call (curl and Python) for a connection's page, carrying its real URL and,
right after it is issued, its real signing secret; the format is docs/pos-protocol.md's. Pure text, no database."""

from __future__ import annotations

import json
import shlex
from dataclasses import dataclass

from pos.signatures import SIGNATURE_HEADER, TIMESTAMP_HEADER

SECRET_PLACEHOLDER = "whsec_…"  # noqa: S105  # a placeholder: the secret is shown once, then no longer known

EXAMPLE_CHECK = {
    "external_id": "1001",
    "status": "closed",
    "closed_at": "2026-01-15T19:30:00+03:00",
    "guest": {"phone": "+79161234567"},
    "items": [{"sku": "101", "name": "Latte", "quantity": 1, "price": "250.00", "discount": "0"}],
    "total_amount": "250.00",
}


@dataclass(frozen=True)
class WebhookExamples:
    curl: str
    python: str


def webhook_examples(*, url: str, signing_secret: str | None) -> WebhookExamples:
    secret = signing_secret or SECRET_PLACEHOLDER
    body = json.dumps(EXAMPLE_CHECK, ensure_ascii=False, separators=(",", ":"))
    curl = "\n".join(
        [
            f"SECRET={shlex.quote(secret)}",
            f"BODY={shlex.quote(body)}",
            "TS=$(date +%s)",
            'SIG=$(printf \'%s.%s\' "$TS" "$BODY" | openssl dgst -sha256 -hmac "$SECRET" -hex | sed \'s/^.* //\')',
            f"curl -X POST {shlex.quote(url)} \\",
            "  -H 'Content-Type: application/json' \\",
            f'  -H "{TIMESTAMP_HEADER}: $TS" \\',
            f'  -H "{SIGNATURE_HEADER}: v1=$SIG" \\',
            '  --data "$BODY"',
        ]
    )
    check = json.dumps(EXAMPLE_CHECK, ensure_ascii=False, indent=4)
    python = "\n".join(
        [
            "import hashlib, hmac, json, time, urllib.request",
            "",
            f"URL = {url!r}",
            f"SECRET = {secret!r}",
            f"check = {check}",
            "body = json.dumps(check).encode()",
            "stamp = str(int(time.time()))",
            'signature = hmac.new(SECRET.encode(), stamp.encode() + b"." + body, hashlib.sha256).hexdigest()',
            'request = urllib.request.Request(URL, data=body, method="POST", headers={',
            '    "Content-Type": "application/json",',
            f'    "{TIMESTAMP_HEADER}": stamp,',
            f'    "{SIGNATURE_HEADER}": "v1=" + signature,',
            "})",
            "print(urllib.request.urlopen(request).read().decode())",
        ]
    )
    return WebhookExamples(curl=curl, python=python)
