"""QR codes read from a photo (a guest's photo of a fiscal receipt, sent to the bot): the image is decoded with
Pillow and its QR codes read with zxing-cpp (both install from wheels, no system libraries). Pure: no database."""

from __future__ import annotations

import io
import logging
import warnings

import zxingcpp
from PIL import Image, UnidentifiedImageError

logger = logging.getLogger(__name__)

MAX_IMAGE_BYTES = 10 * 1024 * 1024  # Telegram's photos are far smaller; a larger file is not worth decoding
MAX_IMAGE_PIXELS = 40_000_000  # a receipt photo from a phone camera is ~12-50 MP at most; bigger: a pixel bomb


def qr_texts_in_image(data: bytes) -> list[str]:
    """The texts of the QR codes found in the image, in zxing-cpp's order; [] when the bytes are not an image we
    can read (any format Pillow opens), too large, or hold no readable QR code."""
    if not data or len(data) > MAX_IMAGE_BYTES:
        return []
    try:
        with warnings.catch_warnings():
            warnings.simplefilter("error", Image.DecompressionBombWarning)
            image = Image.open(io.BytesIO(data))
            if image.width * image.height > MAX_IMAGE_PIXELS:
                return []
            grey = image.convert("L")
    except (UnidentifiedImageError, Image.DecompressionBombError, Image.DecompressionBombWarning, OSError) as error:
        logger.info("An image sent as a receipt could not be read: %s", type(error).__name__)
        return []
    found = zxingcpp.read_barcodes(grey, formats=zxingcpp.BarcodeFormats(zxingcpp.BarcodeFormat.QRCode))
    return [barcode.text for barcode in found if barcode.text]
