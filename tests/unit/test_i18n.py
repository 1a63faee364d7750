"""Every translation key exists in all three languages, and negotiation picks right."""

from __future__ import annotations

import json

import pytest

from server.platform.i18n import LANGUAGES, TRANSLATIONS_DIR, catalog, parse_accept_language


def test_every_key_is_translated_in_every_language() -> None:
    keys = {lang: set(catalog(lang)) for lang in LANGUAGES}
    for lang in LANGUAGES:
        assert keys[lang] == keys["en"], f"{lang} differs: {keys[lang] ^ keys['en']}"
        assert all(catalog(lang)[k].strip() for k in keys[lang])


def test_translation_files_are_valid_json_objects() -> None:
    for path in TRANSLATIONS_DIR.glob("*.json"):
        assert isinstance(json.loads(path.read_text("utf-8")), dict), path


@pytest.mark.parametrize(
    ("header", "expected"),
    [
        ("pt-BR,pt;q=0.9,en;q=0.8", ["pt", "pt", "en"]),
        ("en;q=0.2, es-MX", ["es", "en"]),
        ("fr;q=0, de", ["de"]),
        ("", []),
    ],
)
def test_accept_language_is_ranked_by_quality(header: str, expected: list[str]) -> None:
    assert parse_accept_language(header) == expected
