"""Parsed records by their exact JSON text, for both stores.

A record is stored as JSON; parsing it is most of a read's cost (an escalation with its
context: tens of µs, more than a Redis round trip's parsing or a SQLite statement).
Records are frozen models, so one parse is kept per exact JSON text and the same text
read again (the escalation every request of its life reads, the open offers every
presence update reads) is not validated again.
"""

from __future__ import annotations

from typing import TypeVar

from pydantic import BaseModel

M = TypeVar("M", bound=BaseModel)


class ParseCache:
    """Parsed records by their model and exact JSON text, the newest ``size`` kept.
    Sound because records are frozen models: a reader cannot change a shared one."""

    def __init__(self, size: int = 1024) -> None:
        self.size = size
        self._parsed: dict[tuple[type[BaseModel], str], BaseModel] = {}

    def parse(self, model: type[M], raw: str) -> M:
        if not model.model_config.get("frozen"):
            return model.model_validate_json(raw)
        key = (model, raw)
        found = self._parsed.get(key)
        if found is None:
            found = self._keep(key, model.model_validate_json(raw))
        return found  # type: ignore[return-value]

    def remember(self, record: BaseModel, raw: str) -> None:
        """``record`` was just written as ``raw``: its next read needs no parse."""
        if type(record).model_config.get("frozen"):
            self._keep((type(record), raw), record)

    def _keep(self, key: tuple[type[BaseModel], str], record: BaseModel) -> BaseModel:
        if len(self._parsed) >= self.size:
            del self._parsed[next(iter(self._parsed))]  # the oldest
        self._parsed[key] = record
        return record
