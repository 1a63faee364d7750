"""Server-side masking: cards (Luhn) and configured patterns, clean batches untouched."""

from __future__ import annotations

import json
import re

import pytest

from cobrowse.masking import Masker, luhn_ok

CARD = "4539 1488 0343 6467"  # passes Luhn


def batch(*events: object) -> bytes:
    return json.dumps(list(events), separators=(",", ":")).encode()


def test_luhn_accepts_real_looking_cards_and_rejects_others() -> None:
    assert luhn_ok("4539148803436467")
    assert not luhn_ok("4539148803436468")


def test_clean_batch_is_returned_as_the_same_bytes() -> None:
    raw = batch({"type": 3, "timestamp": 1700000000000, "data": {"text": "hello 1234"}})
    assert Masker().mask_batch(raw) is raw


def test_timestamps_that_pass_luhn_do_not_trigger_a_decode() -> None:
    stamp = next(t for t in range(1700000000000, 1700000000100) if luhn_ok(str(t)))
    raw = batch({"type": 3, "timestamp": stamp, "data": {"source": 2}})
    assert not Masker().needs_masking(raw)
    assert Masker().mask_batch(raw) is raw


def test_a_card_after_timestamp_like_text_is_still_masked() -> None:
    """Timestamps are hidden from the scan by their key; the same words inside a
    string (quotes escaped) hide nothing."""
    raw = batch({"type": 3, "timestamp": 1, "data": {"text": '"timestamp":4539148803436467'}})
    assert b"4539" not in Masker().mask_batch(raw)


@pytest.mark.parametrize("card", [CARD, "4539148803436467", "4539-1488-0343-6467"])
def test_card_numbers_in_text_and_input_values_are_masked(card: str) -> None:
    raw = batch(
        {"type": 3, "data": {"source": 5, "text": card, "id": 12}},
        {"type": 3, "data": {"texts": [{"id": 4, "value": f"pay with {card} now"}]}},
    )
    masked = Masker().mask_batch(raw)
    assert b"4539" not in masked and b"6467" not in masked
    events = json.loads(masked)
    assert events[0]["data"]["text"] == re.sub(r"\d", "*", card)
    assert events[1]["data"]["texts"][0]["value"].startswith("pay with ****")


def test_numbers_failing_luhn_are_kept() -> None:
    raw = batch({"type": 3, "data": {"text": "order 4539 1488 0343 6468"}})
    assert Masker().mask_batch(raw) is raw


def test_configured_patterns_are_masked() -> None:
    masker = Masker([r"[\w.]+@[\w.]+", r"\b\d{8}[A-Z]\b"])
    raw = batch({"type": 3, "data": {"text": "ana@example.com 12345678Z ok"}})
    events = json.loads(masker.mask_batch(raw))
    assert events[0]["data"]["text"] == "*" * 15 + " " + "*" * 9 + " ok"


def test_escaped_strings_are_masked_conservatively() -> None:
    raw = batch({"type": 3, "data": {"text": 'a \\ "quoted" ' + CARD}})
    assert b"4539" not in Masker().mask_batch(raw)


def test_partial_numbers_typed_into_unmasked_fields_show_at_most_six_digits() -> None:
    prefixes = [CARD[:n] for n in range(1, len(CARD))]
    raw = batch(*({"type": 3, "data": {"source": 5, "text": p, "id": 9}} for p in prefixes))
    texts = [e["data"]["text"] for e in json.loads(Masker().mask_batch(raw))]
    assert texts[5] == "4539 1" and texts[6] == "4539 14"  # six digits: the BIN may show
    assert texts[7] == "**** ***"
    assert all(sum(c.isdigit() for c in t) <= 6 for t in texts)


def test_long_numbers_in_page_text_are_not_input_values() -> None:
    raw = batch({"type": 3, "timestamp": 1700000000000, "data": {"source": 0, "text": "12345678"}})
    assert Masker().mask_batch(raw) is raw


def test_negative_and_decimal_numbers_are_not_taken_for_text() -> None:
    raw = batch({"type": 3, "data": {"source": 5, "x": -12345678, "y": 0.123456789}})
    assert not Masker().needs_masking(raw)


def test_card_after_a_colon_inside_text_is_still_found() -> None:
    raw = batch({"type": 3, "data": {"text": "card:" + CARD.replace(" ", "")}})
    assert b"4539" not in Masker().mask_batch(raw)
