"""Rendering jinja2 pages in the visitor's language."""

from __future__ import annotations

from pathlib import Path
from typing import Any

import jinja2
from aiohttp import web

from server.platform.i18n import LANG_COOKIE, LANGUAGES, negotiate_language, translate
from server.platform.keys import TEMPLATES

WEB_DIR = Path(__file__).parent
STATIC_DIR = WEB_DIR / "static"


def make_environment(app: web.Application) -> jinja2.Environment:
    env = jinja2.Environment(
        loader=jinja2.FileSystemLoader(WEB_DIR / "templates"),
        autoescape=jinja2.select_autoescape(["html"]),
        undefined=jinja2.StrictUndefined,
    )

    def static_url(path: str) -> str:
        """A versioned URL (content hash) so browsers may cache it for a year."""
        resource = app.router["static"]
        assert isinstance(resource, web.StaticResource)
        return str(resource.url_for(filename=path, append_version=True))

    env.globals["static_url"] = static_url
    env.globals["languages"] = LANGUAGES
    return env


def render(request: web.Request, template: str, **context: Any) -> web.Response:
    lang = negotiate_language(request)
    page = request.app[TEMPLATES].get_template(template)
    html = page.render(lang=lang, t=lambda key: translate(lang, key), request=request, **context)
    response = web.Response(text=html, content_type="text/html")
    if request.query.get("lang") in LANGUAGES:
        response.set_cookie(LANG_COOKIE, lang, max_age=365 * 86_400, samesite="Lax")
    response.headers["Content-Language"] = lang
    return response
