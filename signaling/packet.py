"""The Socket.IO packet class coview's server uses.

python-socketio decides whether an event carries binary attachments by walking the
whole payload in Python, then encodes it to JSON with the stdlib. Escalation payloads
are nested dicts of a few hundred values, and the walk and the encoding were most of an
emit's cost. This packet encodes first, with orjson (``server.platform.jsonio``): a payload that
encodes has no bytes in it, and the text is kept for ``encode``; only one that does not
encode (bytes, or something else the base class must reject) takes the walk.
"""

from __future__ import annotations

import json
from dataclasses import dataclass
from typing import Any

from socketio import packet

from server.platform.errors import CoviewError
from server.platform.jsonio import dumps, loads_limited

# The event a refused payload is delivered as: the namespace acks its error
# (signaling/namespace.py) so the client's callback learns why.
REFUSED_EVENT = "\x00refused"


@dataclass(frozen=True)
class RefusedPayload:
    error: CoviewError


class _RefusingJson(ValueError):
    def __init__(self, error: CoviewError) -> None:
        super().__init__(error.detail)
        self.error = error


class LimitedJson:
    """The packets' JSON module: payloads parsed with the depth limit of every body."""

    @staticmethod
    def dumps(value: Any, **kwargs: Any) -> str:
        return json.dumps(value, **kwargs)

    @staticmethod
    def loads(text: str | bytes) -> Any:
        try:
            return loads_limited(text)
        except CoviewError as exc:
            raise _RefusingJson(exc) from exc


BINARY = (packet.BINARY_EVENT, packet.BINARY_ACK)


class Packet(packet.Packet):  # type: ignore[misc]
    json = LimitedJson

    def __init__(
        self,
        packet_type: int = packet.EVENT,
        data: Any = None,
        namespace: str | None = None,
        id: int | None = None,  # the base class's name
        binary: bool | None = None,
        encoded_packet: Any = None,
    ) -> None:
        self._json: str | None = None
        if binary is None and data is not None and encoded_packet is None:
            try:
                self._json = dumps(data)
                binary = False
            except TypeError:
                pass  # bytes somewhere (or not JSON at all): the base class decides
        super().__init__(packet_type, data, namespace, id, binary, encoded_packet)

    def decode(self, encoded_packet: Any) -> int:
        """A payload that is malformed or nests too deeply becomes a REFUSED_EVENT
        carrying the error (acked like any refusal); a refused connect has no auth."""
        try:
            count: int = super().decode(encoded_packet)
        except _RefusingJson as exc:
            if self.packet_type not in (packet.EVENT, packet.CONNECT):
                raise
            event = [REFUSED_EVENT, RefusedPayload(exc.error)]
            self.data = event if self.packet_type == packet.EVENT else None
            return 0
        return count

    def encode(self) -> Any:
        if self._json is None or self.packet_type in BINARY:
            return super().encode()
        head = str(self.packet_type)
        if self.namespace is not None and self.namespace != "/":
            head += self.namespace + ","
        if self.id is not None:
            head += str(self.id)
        return head + self._json

    @classmethod
    def data_is_binary(cls, data: Any) -> bool:
        """Iterative and stops at the first bytes (the base class reduces over every
        branch); only reached for payloads that did not encode."""
        pending = [data]
        while pending:
            item = pending.pop()
            if isinstance(item, bytes | bytearray):
                return True
            if isinstance(item, list):
                pending.extend(item)
            elif isinstance(item, dict):
                pending.extend(item.values())
        return False
