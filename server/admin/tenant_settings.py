"""Per-organisation privacy and media settings, edited in /admin:

- ``masking``: CSS selectors the customer's widget masks (on top of inputs and
  ``data-coview-mask``) and regular expressions the server masks in every co-browse
  batch (on top of payment card numbers);
- ``turn``: the STUN/TURN servers and the coturn shared secret used for this
  organisation's calls (instead of the node's ``COVIEW_TURN_*`` settings).

Both are validated field by field (a bad selector or pattern is reported at its index)
and every change is an audit event. Readers go through ``TenantSettings``, which keeps
each organisation's values for a few seconds: the co-browse relay asks per batch.
"""

from __future__ import annotations

import re
import time
from typing import Annotated, Any

import cssselect
from aiohttp import web
from pydantic import AfterValidator, Field

from server.platform.audit import record_audit
from server.platform.auth.request import require_agent
from server.platform.jsonio import json_response
from server.platform.keys import STORE
from server.platform.validation import ApiModel, read_json

MASKING, TURN = "masking", "turn"
CACHE_S = 5.0  # how long another node may use an organisation's old settings

# A quantified group that itself contains a quantifier: (a+)+, (\d*)*, (x{2,})+ ...,
# the shape of catastrophic backtracking. Refused, with patterns over 200 characters.
NESTED_QUANTIFIER = re.compile(r"\((?:[^()\\]|\\.)*[+*}](?:[^()\\]|\\.)*\)\s*[+*{]")
ICE_URL = re.compile(
    r"^(stun|turn|turns):[A-Za-z0-9.\-\[\]:]+?(:\d{1,5})?(\?transport=(udp|tcp))?$"
)


def check_selector(value: str) -> str:
    try:
        cssselect.parse(value)
    except cssselect.SelectorError as exc:
        raise ValueError(f"{value!r} is not a valid CSS selector ({exc})") from exc
    return value


def check_pattern(value: str) -> str:
    try:
        re.compile(value)
    except re.error as exc:
        raise ValueError(f"{value!r} is not a valid regular expression ({exc})") from exc
    if NESTED_QUANTIFIER.search(value):
        raise ValueError(f"{value!r} nests quantifiers (like (a+)+): exponential time")
    if re.fullmatch(value, ""):
        raise ValueError(f"{value!r} matches the empty text")
    return value


def check_ice_url(value: str) -> str:
    if not ICE_URL.match(value):
        raise ValueError(
            f"{value!r}: expected stun:host[:port] or turn(s):host[:port][?transport=udp|tcp]"
        )
    return value


Selector = Annotated[str, Field(min_length=1, max_length=200), AfterValidator(check_selector)]
Pattern = Annotated[str, Field(min_length=1, max_length=200), AfterValidator(check_pattern)]
IceUrl = Annotated[str, Field(min_length=6, max_length=300), AfterValidator(check_ice_url)]


class MaskingSettings(ApiModel):
    selectors: list[Selector] = Field(default_factory=list, max_length=50)
    patterns: list[Pattern] = Field(default_factory=list, max_length=20)


class TurnSettings(ApiModel):
    stun_urls: list[IceUrl] = Field(default_factory=list, max_length=10)
    turn_urls: list[IceUrl] = Field(default_factory=list, max_length=10)
    secret: str | None = Field(default=None, min_length=16, max_length=200)
    ttl_s: int = Field(default=3600, ge=60, le=86_400)

    def public(self) -> dict[str, Any]:
        """Never the secret itself."""
        return {**self.model_dump(exclude={"secret"}), "secret_set": self.secret is not None}


class TurnUpdate(ApiModel):
    stun_urls: list[IceUrl] = Field(default_factory=list, max_length=10)
    turn_urls: list[IceUrl] = Field(default_factory=list, max_length=10)
    secret: str | None = Field(default=None, min_length=16, max_length=200)  # None: keep
    clear_secret: bool = False
    ttl_s: int = Field(default=3600, ge=60, le=86_400)


class TenantSettings:
    """Cached reads of the settings above, per organisation."""

    def __init__(self, app: web.Application) -> None:
        self.app = app
        self._cache: dict[tuple[str, str], tuple[float, Any]] = {}

    async def _get(self, tenant_id: str, name: str, model: type[ApiModel]) -> Any:
        cached = self._cache.get((tenant_id, name))
        if cached is not None and time.monotonic() - cached[0] < CACHE_S:
            return cached[1]
        raw = await self.app[STORE].get_setting(tenant_id, name)
        value = model.model_validate(raw) if raw is not None else None
        self._cache[(tenant_id, name)] = (time.monotonic(), value)
        return value

    async def masking(self, tenant_id: str) -> MaskingSettings | None:
        value: MaskingSettings | None = await self._get(tenant_id, MASKING, MaskingSettings)
        return value

    async def turn(self, tenant_id: str) -> TurnSettings | None:
        value: TurnSettings | None = await self._get(tenant_id, TURN, TurnSettings)
        return value

    def forget(self, tenant_id: str, name: str) -> None:
        self._cache.pop((tenant_id, name), None)


TENANT_SETTINGS = web.AppKey("tenant_settings", TenantSettings)


async def get_masking(request: web.Request) -> web.Response:
    admin = await require_agent(request, "admin")
    current = await request.app[TENANT_SETTINGS].masking(admin.tenant_id)
    return json_response((current or MaskingSettings()).model_dump())


async def put_masking(request: web.Request) -> web.Response:
    admin = await require_agent(request, "admin")
    body = await read_json(request, MaskingSettings)
    await request.app[STORE].put_setting(admin.tenant_id, MASKING, body.model_dump())
    request.app[TENANT_SETTINGS].forget(admin.tenant_id, MASKING)
    await record_audit(request.app, admin, "masking.updated", "setting", MASKING, body.model_dump())
    return json_response(body.model_dump())


async def get_turn(request: web.Request) -> web.Response:
    admin = await require_agent(request, "admin")
    current = await request.app[TENANT_SETTINGS].turn(admin.tenant_id)
    return json_response((current or TurnSettings()).public())


async def put_turn(request: web.Request) -> web.Response:
    admin = await require_agent(request, "admin")
    body = await read_json(request, TurnUpdate)
    current = await request.app[TENANT_SETTINGS].turn(admin.tenant_id)
    secret = None if body.clear_secret else body.secret or (current.secret if current else None)
    settings = TurnSettings(
        stun_urls=body.stun_urls, turn_urls=body.turn_urls, secret=secret, ttl_s=body.ttl_s
    )
    await request.app[STORE].put_setting(admin.tenant_id, TURN, settings.model_dump())
    request.app[TENANT_SETTINGS].forget(admin.tenant_id, TURN)
    changes = body.model_dump(exclude={"secret", "clear_secret"})
    changes["secret"] = "cleared" if body.clear_secret else "changed" if body.secret else "kept"
    await record_audit(request.app, admin, "turn.updated", "setting", TURN, changes)
    return json_response(settings.public())


def setup(app: web.Application) -> None:
    app[TENANT_SETTINGS] = TenantSettings(app)
    app.router.add_get("/api/admin/settings/masking", get_masking)
    app.router.add_put("/api/admin/settings/masking", put_masking)
    app.router.add_get("/api/admin/settings/turn", get_turn)
    app.router.add_put("/api/admin/settings/turn", put_turn)
