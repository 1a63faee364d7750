"""Chat attachments: images only, recognised by their bytes, not by what the client says."""

from __future__ import annotations

import base64
import binascii

from server.platform.errors import PayloadTooLarge, Unprocessable
from store.chat_models import Attachment

# magic bytes -> content type
IMAGE_SIGNATURES: tuple[tuple[bytes, str], ...] = (
    (b"\x89PNG\r\n\x1a\n", "image/png"),
    (b"\xff\xd8\xff", "image/jpeg"),
    (b"GIF87a", "image/gif"),
    (b"GIF89a", "image/gif"),
)


def sniff_image(data: bytes) -> str | None:
    for signature, content_type in IMAGE_SIGNATURES:
        if data.startswith(signature):
            return content_type
    if data[:4] == b"RIFF" and data[8:12] == b"WEBP":
        return "image/webp"
    return None


def parse_attachment(name: str, data_url: str, max_bytes: int) -> Attachment:
    """A validated image attachment from a ``data:`` URL."""
    header, sep, payload = data_url.partition(",")
    if not sep or not header.startswith("data:") or not header.endswith(";base64"):
        raise Unprocessable("attachment must be a base64 data: URL")
    if len(payload) > (max_bytes * 4) // 3 + 4:
        raise PayloadTooLarge(f"attachments are limited to {max_bytes} bytes")
    try:
        raw = base64.b64decode(payload, validate=True)
    except (binascii.Error, ValueError) as exc:
        raise Unprocessable("attachment is not valid base64") from exc
    if len(raw) > max_bytes:
        raise PayloadTooLarge(f"attachments are limited to {max_bytes} bytes")
    content_type = sniff_image(raw)
    if content_type is None:
        raise Unprocessable("only PNG, JPEG, GIF or WebP images can be attached")
    clean = f"data:{content_type};base64,{base64.b64encode(raw).decode()}"
    return Attachment(
        name=name[:120] or "image", content_type=content_type, data_url=clean, size=len(raw)
    )
