"""Customer-facing text in Spanish, English and Portuguese.

Each feature keeps its own ``web/translations/<feature>.<lang>.json`` (keys prefixed
with the feature name) next to the shared ``<lang>.json``. The language comes from
``?lang=``, else the ``coview_lang`` cookie, else the best match in
``Accept-Language``, else English.
"""

from __future__ import annotations

import json
from functools import cache
from pathlib import Path

from aiohttp import web

LANGUAGES = ("es", "en", "pt")
DEFAULT_LANGUAGE = "en"
LANG_COOKIE = "coview_lang"
# The catalogue is data the pages, the widget bundle and the bot share; it ships in web/.
TRANSLATIONS_DIR = Path(__file__).resolve().parents[2] / "web" / "translations"


@cache
def catalog(lang: str) -> dict[str, str]:
    """``{lang}.json`` plus every feature's ``<feature>.{lang}.json`` beside it."""
    data: dict[str, str] = {}
    feature_files = sorted(TRANSLATIONS_DIR.glob(f"*.{lang}.json"))
    for path in [*feature_files, TRANSLATIONS_DIR / f"{lang}.json"]:
        data.update(json.loads(path.read_text("utf-8")))
    return data


def translate(lang: str, key: str) -> str:
    """The text in ``lang``, falling back to English, then to the key itself."""
    return catalog(lang).get(key) or catalog(DEFAULT_LANGUAGE).get(key) or key


def parse_accept_language(header: str) -> list[str]:
    """Primary language subtags in order of preference (q values honoured)."""
    ranked: list[tuple[float, int, str]] = []
    for index, part in enumerate(header.split(",")):
        tag, _, params = part.strip().partition(";")
        quality = 1.0
        if params.strip().startswith("q="):
            try:
                quality = float(params.strip()[2:])
            except ValueError:
                quality = 0.0
        if tag and quality > 0:
            ranked.append((-quality, index, tag.split("-")[0].lower()))
    return [tag for _, _, tag in sorted(ranked)]


def negotiate_language(request: web.Request) -> str:
    explicit = request.query.get("lang") or request.cookies.get(LANG_COOKIE)
    if explicit in LANGUAGES:
        return explicit
    for tag in parse_accept_language(request.headers.get("Accept-Language", "")):
        if tag in LANGUAGES:
            return tag
    return DEFAULT_LANGUAGE
