"""A guest may send a photo of the receipt instead of its QR text: the bot downloads the photo from Telegram
(getFile, then the file server), reads the QR on it (pos.qr_images) and claims the visit as if the text was pasted;
a photo with no fiscal QR on it is answered with what to do instead."""

from __future__ import annotations

import io
from datetime import timedelta
from decimal import Decimal
from typing import Any

import pytest
import segno
from django.utils import timezone
from PIL import Image, ImageDraw

from pos.models import ReceiptClaim
from pos.tests.claims import qr_text
from tests.checks import CheckSpec, send_checks

from .conftest import message_update
from .test_receipt_claim_from_telegram import _balance

CHAT = 5570101


def _receipt_photo(text: str | None) -> bytes:
    """A JPEG like a phone's photo of a receipt: grey paper, printed lines, the QR (if any) small in a corner."""
    photo = Image.new("L", (900, 1200), 235)
    draw = ImageDraw.Draw(photo)
    for row in range(60, 700, 40):
        draw.rectangle((80, row, 80 + (row * 7) % 600 + 100, row + 14), fill=40)
    if text is not None:
        buffer = io.BytesIO()
        segno.make(text, error="m").save(buffer, kind="png", scale=5, border=4)
        code = Image.open(buffer).convert("L").rotate(4, expand=True, fillcolor=235)
        photo.paste(code, (460, 760))
    out = io.BytesIO()
    photo.save(out, format="JPEG", quality=80)
    return out.getvalue()


def _photo_update(file_id: str, size: int) -> dict[str, Any]:
    update = message_update(CHAT, language="en")
    update["message"]["photo"] = [  # Telegram's sizes of one photo, smallest first
        {"file_id": f"{file_id}-thumb", "file_unique_id": "t1", "width": 68, "height": 90, "file_size": 1500},
        {"file_id": file_id, "file_unique_id": "p1", "width": 900, "height": 1200, "file_size": size},
    ]
    return update


@pytest.fixture
def member(alpha, alpha_bot, linked_guest):  # type: ignore[no-untyped-def]
    return linked_guest("+79166670101", CHAT)


def test_a_photo_of_the_receipt_claims_the_visit(alpha, member, telegram_api, send_update):
    closed = timezone.now() - timedelta(hours=1)
    send_checks(alpha, [CheckSpec(total_amount=Decimal("1000.00"), closed_at=closed)])
    photo = _receipt_photo(qr_text(closed, document=91))
    telegram_api.files["receipt-photo"] = photo
    before = _balance(member)

    send_update(_photo_update("receipt-photo", len(photo)))

    assert telegram_api.downloads == ["photos/receipt-photo.jpg"]  # the largest size, not the thumbnail
    texts = telegram_api.texts(CHAT)
    assert any("50 points were added" in text for text in texts), texts
    assert _balance(member) == before + 50
    assert ReceiptClaim.objects.get(guest=member).document_number == "91"


def test_a_receipt_image_sent_as_a_file_is_read_too(alpha, member, telegram_api, send_update):
    photo = _receipt_photo(qr_text(timezone.now() - timedelta(minutes=20), amount="432.10", document=92))
    telegram_api.files["receipt-file"] = photo
    update = message_update(CHAT, language="en")
    update["message"]["document"] = {
        "file_id": "receipt-file",
        "file_unique_id": "d1",
        "file_name": "receipt.jpg",
        "mime_type": "image/jpeg",
        "file_size": len(photo),
    }
    send_update(update)
    assert "has not sent this receipt to us yet" in telegram_api.texts(CHAT)[-1]
    assert ReceiptClaim.objects.get(guest=member).total_amount == Decimal("432.10")


def test_a_photo_without_a_fiscal_qr_is_answered_with_what_to_do(alpha, member, telegram_api, send_update):
    photo = _receipt_photo(None)
    telegram_api.files["blurred"] = photo
    send_update(_photo_update("blurred", len(photo)))
    assert "could not find the QR code of a fiscal receipt" in telegram_api.texts(CHAT)[-1]
    assert not ReceiptClaim.objects.filter(guest=member).exists()


def test_a_qr_of_something_else_is_not_taken_for_a_receipt(alpha, member, telegram_api, send_update):
    photo = _receipt_photo("https://example.com/menu")
    telegram_api.files["menu"] = photo
    send_update(_photo_update("menu", len(photo)))
    assert "could not find the QR code of a fiscal receipt" in telegram_api.texts(CHAT)[-1]
    assert not ReceiptClaim.objects.filter(guest=member).exists()
