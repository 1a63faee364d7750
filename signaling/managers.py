"""Socket.IO client managers that hand an emit to its recipients' queues directly.

python-socketio's ``AsyncManager.emit`` makes one task per recipient and waits for them
all, even for a single console. Handing a packet to a socket only puts it on the
socket's unbounded send queue (its own writer task sends it), so it never really
suspends: the tasks bought nothing but their cost, a tenth of a busy node's emits.
Emits with a callback (an ack id per recipient) keep the library's path.
"""

from __future__ import annotations

from collections.abc import AsyncIterator
from typing import Any

import orjson
import socketio
from engineio import packet as eio_packet
from socketio import packet

from server.jsonio import dumps_bytes


class DirectManager(socketio.AsyncManager):  # type: ignore[misc]
    async def emit(
        self,
        event: str,
        data: Any,
        namespace: str,
        room: str | None = None,
        skip_sid: Any = None,
        callback: Any = None,
        to: str | None = None,
        **kwargs: Any,
    ) -> None:
        if callback is not None:
            await super().emit(
                event, data, namespace, room=room, skip_sid=skip_sid, callback=callback, to=to
            )
            return
        room = to or room
        if namespace not in self.rooms:
            return
        # as in the library: a tuple is several arguments, None none
        args = list(data) if isinstance(data, tuple) else [] if data is None else [data]
        skip = skip_sid if isinstance(skip_sid, list) else [skip_sid]
        recipients = [e for s, e in self.get_participants(namespace, room) if s not in skip]
        if not recipients:
            return
        encoded = self.server.packet_class(
            packet.EVENT, namespace=namespace, data=[event, *args]
        ).encode()
        frames = [
            eio_packet.Packet(eio_packet.MESSAGE, p)
            for p in (encoded if isinstance(encoded, list) else [encoded])
        ]
        for eio_sid in recipients:
            for frame in frames:
                await self.server._send_eio_packet(eio_sid, frame)


class _Codec:
    """The pub/sub messages' JSON: orjson, and text encoded already passes through."""

    @staticmethod
    def dumps(value: Any) -> bytes:
        return value if isinstance(value, bytes) else dumps_bytes(value)

    @staticmethod
    def loads(value: str | bytes) -> Any:
        return orjson.loads(value)


class DirectRedisManager(socketio.AsyncRedisManager, DirectManager):  # type: ignore[misc]
    """Across nodes through Redis; the local delivery (``AsyncPubSubManager`` calls its
    base's ``emit``) resolves to ``DirectManager.emit`` by the method order.

    The library's emit walks the whole payload in Python to find binary attachments and
    encodes the message with the stdlib: for a console's escalation payload that cost
    more than the publish. Here a payload orjson can encode has no bytes in it, so it is
    encoded once and published as is; the others (bytes, callbacks) take the library's
    path."""

    def set_server(self, server: Any) -> None:
        super().set_server(server)
        self.json = _Codec  # set_server installs the packet class's JSON module

    @property
    def _own_prefix(self) -> bytes:
        """How this node's own fast-path messages begin (``host_id`` is encoded first)."""
        return b'{"host_id":' + orjson.dumps(self.host_id)

    async def _listen(self) -> AsyncIterator[Any]:
        """Redis sends a node its own publishes too; the library decodes each whole
        before it sees the ``host_id`` and drops it. This node's own emits are dropped
        by their first bytes instead (the others, and any library-encoded message,
        go on as before)."""
        own = self._own_prefix
        async for message in super()._listen():
            if isinstance(message, bytes) and message.startswith(own):
                continue
            yield message

    async def emit(
        self,
        event: str,
        data: Any,
        namespace: str | None = None,
        room: str | None = None,
        skip_sid: Any = None,
        callback: Any = None,
        to: str | None = None,
        **kwargs: Any,
    ) -> None:
        room = to or room
        namespace = namespace or "/"
        if callback is not None or kwargs.get("ignore_queue"):
            await super().emit(event, data, namespace, room, skip_sid, callback, **kwargs)
            return
        message = {
            "host_id": self.host_id,  # first: see ``_listen``
            "method": "emit",
            "event": event,
            "data": list(data) if isinstance(data, tuple) else [data],
            "binary": False,
            "namespace": namespace,
            "room": room,
            "skip_sid": skip_sid,
            "callback": None,
        }
        try:
            encoded = orjson.dumps(message)
        except orjson.JSONEncodeError:
            await super().emit(event, data, namespace, room, skip_sid, **kwargs)
            return
        await DirectManager.emit(self, event, data, namespace, room=room, skip_sid=skip_sid)
        await self._publish(encoded)  # the other nodes
