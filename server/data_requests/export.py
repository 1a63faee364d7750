"""Data subject requests, export: everything ``find`` found as one zip, streamed.

The zip is written as it is sent: ``zipfile`` writes into a sink that is not seekable
(so it puts each entry's sizes in a data descriptor after its data instead of seeking
back), and after every piece the sink's bytes go to the client. Media files are
decrypted chunk by chunk (``Sealer.read``, in a worker thread as the download route
does) and stored as they are (already compressed); JSON entries are deflated. Nothing
is ever whole in memory but one 64 KiB chunk and one record's JSON.
"""

from __future__ import annotations

import asyncio
import io
import json
import zipfile
from collections.abc import Iterator
from typing import Any

from aiohttp import web

from media.crypto import DecryptError
from media.keys import SEALER
from server.data_requests.subjects import Finding, MediaFile, media_item
from server.platform.keys import STORE
from server.platform.untrusted import content_disposition
from store.models import utcnow

MESSAGES_PAGE = 500


class _Sink(io.RawIOBase):
    """A write-only, unseekable stream whose bytes are taken away after each step."""

    def __init__(self) -> None:
        self._parts: list[bytes] = []

    def writable(self) -> bool:
        return True

    def write(self, data: Any) -> int:
        self._parts.append(bytes(data))
        return len(data)

    def take(self) -> bytes:
        out = b"".join(self._parts)
        self._parts.clear()
        return out


def _json(value: Any) -> bytes:
    return json.dumps(value, ensure_ascii=False, indent=2, default=str).encode()


class ZipStream:
    def __init__(self, response: web.StreamResponse) -> None:
        self.response = response
        self.sink = _Sink()
        self.zip = zipfile.ZipFile(self.sink, "w", compression=zipfile.ZIP_DEFLATED)

    async def flush(self) -> None:
        data = self.sink.take()
        if data:
            await self.response.write(data)

    async def json(self, name: str, value: Any) -> None:
        self.zip.writestr(name, _json(value))
        await self.flush()

    async def file(self, name: str, pieces: Iterator[bytes]) -> None:
        info = zipfile.ZipInfo(name, date_time=utcnow().timetuple()[:6])
        info.compress_type = zipfile.ZIP_STORED
        with self.zip.open(info, "w", force_zip64=True) as entry:
            while (piece := await asyncio.to_thread(next, pieces, None)) is not None:
                entry.write(piece)
                await self.flush()
        await self.flush()

    async def close(self) -> None:
        self.zip.close()
        await self.flush()


async def stream_export(request: web.Request, finding: Finding) -> web.StreamResponse:
    app = request.app
    store = app[STORE]
    name = f"coview-data-{utcnow().strftime('%Y%m%dT%H%M%SZ')}.zip"
    response = web.StreamResponse(
        headers={
            "Content-Type": "application/zip",
            "Content-Disposition": content_disposition(name),
            "Cache-Control": "no-store",
        }
    )
    await response.prepare(request)
    out = ZipStream(response)
    await out.json(
        "subject.json",
        {
            "subject": finding.query.model_dump(mode="json", exclude_none=True),
            "exported_at": utcnow().isoformat(),
            "counts": finding.counts(),
            "truncated": finding.truncated,
            "items": [i.model_dump(mode="json") for i in finding.items()],
        },
    )
    for esc in finding.escalations:
        events = await store.list_events(esc.id, limit=100_000)
        record = {"escalation": esc.public(), "events": [e.public() for e in events]}
        await out.json(f"escalations/{esc.id}.json", record)
    for conv in finding.conversations:
        messages: list[dict[str, Any]] = []
        after = 0
        while page := await store.list_messages(conv.id, after, MESSAGES_PAGE):
            messages += [m.model_dump(mode="json") for m in page]
            after = page[-1].seq
        bot = await store.get_bot_conversation(conv.id)
        await out.json(
            f"conversations/{conv.id}.json",
            {
                "conversation": conv.model_dump(mode="json"),
                "messages": messages,
                "bot": bot.model_dump(mode="json") if bot else None,
            },
        )
    for session_id, records in finding.consents.items():
        await out.json(f"consents/{session_id}.json", [r.model_dump(mode="json") for r in records])
    for callback in finding.callbacks:
        await out.json(f"callbacks/{callback.id}.json", callback.model_dump(mode="json"))
    for answer in finding.csat:
        await out.json(f"csat/{answer.escalation_id}.json", answer.model_dump(mode="json"))
    for delivery in finding.deliveries:
        await out.json(f"webhook-deliveries/{delivery.id}.json", delivery.model_dump(mode="json"))
    for media in finding.files:
        await _media(request, out, media)
    await out.close()
    await response.write_eof()
    return response


async def _media(request: web.Request, out: ZipStream, media: MediaFile) -> None:
    """The decrypted file; a call recording's sidecar (who, when, how long) beside it.
    A file that cannot be decrypted after the download began cuts it short: the client
    gets a zip without its central directory rather than a silently partial one."""
    target = media_item(media).file
    if media.kind == "recording":
        sidecar = media.path.with_suffix(".json")
        if sidecar.is_file():
            await out.json(target[: -len(".webm")] + ".json", json.loads(sidecar.read_text()))
    pieces = request.app[SEALER].read(media.path, unfinished_ok=True)
    try:
        await out.file(target, pieces)
    except (DecryptError, FileNotFoundError) as exc:
        raise ConnectionAbortedError(f"{target}: {exc}") from exc
