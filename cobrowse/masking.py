"""Server-side masking of rrweb event batches, the second line after the browser's.

The hot path never decodes a batch: ``needs_masking`` scans the raw bytes for
candidates (digit runs of 13-19 with spaces or dashes that pass the Luhn check and sit
inside a JSON string, or a match of a configured pattern). Only batches with a
candidate are decoded, every string in them masked, and re-encoded.

Input events (rrweb incremental source 5) of fields the page left unmasked are also
checked for partial numbers: typing a card into such a field sends every prefix, and
the prefix without its last digit gives the whole card away (the last digit is the
Luhn check). So any run of more than ``MAX_VISIBLE_DIGITS`` digits in an input value
is masked, as PCI DSS allows showing at most the first six.
"""

from __future__ import annotations

import json
import re
from collections.abc import Awaitable, Callable, Iterable, Sequence
from typing import Any

from server.platform.jsonio import loads_limited

# 13-19 digits, single spaces or dashes allowed between them.
CARD_RUN = re.compile(r"(?<!\d)\d(?:[ -]?\d){12,18}(?!\d)")
MASK_CHAR = "*"
MAX_VISIBLE_DIGITS = 6
LONG_RUN = re.compile(r"\d(?:[ -]?\d){" + str(MAX_VISIBLE_DIGITS) + ",}")
# Candidate scan on raw bytes. Every digit is first translated to "0" (same length, so
# positions carry over), which gives the pattern a literal first character that
# ``re`` finds with its fast search instead of trying a match at every byte: 4 µs
# instead of 10.5 µs on a 1.5 KB batch. The digits are counted afterwards.
ZERO_DIGITS = bytes.maketrans(b"0123456789", b"0000000000")
DIGIT_RUN_BYTES = re.compile(rb"0[0 -]{5,}0")
# rrweb stamps every event with a 13-digit ``"timestamp":`` number, the long digit runs
# of a typical batch. Hiding them in the (translated) scan copy, same length, in C,
# leaves the Python loop below nothing to look at: 6.9 -> ~3 µs a batch.
TIMESTAMP_RUN = b'"timestamp":0000000000000'
TIMESTAMP_HIDDEN = b'"timestamp":' + b"x" * 13
INPUT_SOURCE = re.compile(rb'"source"\s*:\s*5\b')
INCREMENTAL = 3
# rrweb nests two levels per DOM level (a node, its childNodes); mask_value recurses
MAX_EVENTS_DEPTH = 400


def luhn_ok(digits: str) -> bool:
    total = 0
    for index, char in enumerate(reversed(digits)):
        value = ord(char) - 48
        if index % 2 == 1:
            value *= 2
            if value > 9:
                value -= 9
        total += value
    return total % 10 == 0


def _digits(run: str) -> str:
    return run.replace(" ", "").replace("-", "")


# Outside a string, a digit can only follow JSON structure or whitespace.
AMBIGUOUS_BEFORE = frozenset(b'":,[ \t\r\n-.+eE')


def _inside_string(raw: bytes, position: int) -> bool:
    """Whether ``position`` of a JSON text is inside a string literal. A digit after a
    letter or punctuation other than JSON's can only be; otherwise the quotes before it
    are counted (in C, without copying), which is exact unless escaped backslashes
    appear, where we say yes (mask to be safe)."""
    if position == 0 or raw[position - 1] not in AMBIGUOUS_BEFORE:
        return position > 0
    if raw.find(b"\\\\", 0, position) >= 0:
        return True
    quotes = raw.count(b'"', 0, position) - raw.count(b'\\"', 0, position)
    return quotes % 2 == 1


class Masker:
    """Masks payment card numbers and the organisation's configured patterns."""

    def __init__(self, patterns: Iterable[str] = ()) -> None:
        self.patterns = [re.compile(p) for p in patterns]
        self.patterns_bytes = [re.compile(p.encode()) for p in patterns]

    def needs_masking(self, raw: bytes) -> bool:
        if any(pattern.search(raw) for pattern in self.patterns_bytes):
            return True
        has_inputs: bool | None = None
        # One pass over runs of 7+ digits; most are timestamps, outside any string.
        scan = raw.translate(ZERO_DIGITS).replace(TIMESTAMP_RUN, TIMESTAMP_HIDDEN)
        for match in DIGIT_RUN_BYTES.finditer(scan):
            start, end = match.span()
            run = raw[start:end]
            if raw[start - 2 : start] == b'":' and raw[start - 3 : start - 2] != b"\\":
                continue  # the value of a key: a JSON number such as a timestamp
            if len(run) - run.count(b" ") - run.count(b"-") <= MAX_VISIBLE_DIGITS:
                continue
            if not _inside_string(raw, start):
                continue
            if has_inputs is None:
                has_inputs = INPUT_SOURCE.search(raw) is not None
            if has_inputs:
                return True  # an input value may carry part of a card
            for card in CARD_RUN.finditer(run.decode()):
                if luhn_ok(_digits(card.group())):
                    return True
        return False

    def mask_text(self, text: str) -> str:
        def card(match: re.Match[str]) -> str:
            run = match.group()
            if not luhn_ok(_digits(run)):
                return run
            return re.sub(r"\d", MASK_CHAR, run)

        text = CARD_RUN.sub(card, text)
        for pattern in self.patterns:
            text = pattern.sub(lambda m: MASK_CHAR * len(m.group()), text)
        return text

    def mask_value(self, value: Any) -> Any:
        if isinstance(value, str):
            return self.mask_text(value)
        if isinstance(value, list):
            return [self.mask_value(v) for v in value]
        if isinstance(value, dict):
            masked = {k: self.mask_value(v) for k, v in value.items()}
            if masked.get("source") == 5 and isinstance(masked.get("text"), str):
                masked["text"] = LONG_RUN.sub(
                    lambda m: re.sub(r"\d", MASK_CHAR, m.group()), masked["text"]
                )
            return masked
        return value

    def mask_batch(self, raw: bytes) -> bytes:
        """The batch itself when it is clean, else a masked re-encoding of it.
        Raises BadRequest when a batch that needs masking is not JSON or nests deeper
        than a page's DOM plausibly does."""
        if not self.needs_masking(raw):
            return raw
        masked = self.mask_value(loads_limited(raw, max_depth=MAX_EVENTS_DEPTH))
        return json.dumps(masked, separators=(",", ":"), ensure_ascii=False).encode()


class Maskers:
    """The masker for an organisation: card numbers, the node's ``COVIEW_COBROWSE_
    MASK_PATTERNS`` and the organisation's own patterns (set in /admin). One masker is
    built per distinct pattern set and kept, so the relay only looks it up."""

    def __init__(
        self,
        node_patterns: Iterable[str],
        tenant_patterns: Callable[[str], Awaitable[Sequence[str]]],
    ) -> None:
        self._node = tuple(node_patterns)
        self._tenant_patterns = tenant_patterns
        self._built: dict[tuple[str, ...], Masker] = {}

    async def for_tenant(self, tenant_id: str) -> Masker:
        patterns = (*self._node, *await self._tenant_patterns(tenant_id))
        masker = self._built.get(patterns)
        if masker is None:
            masker = self._built[patterns] = Masker(patterns)
        return masker
