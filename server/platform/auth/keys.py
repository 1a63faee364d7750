"""The auth package's application keys (here, not in server/platform/keys.py, which the
auth modules themselves import: the two would import each other)."""

from __future__ import annotations

from aiohttp import web

from server.platform.auth.authenticator import Authenticator
from server.platform.auth.passwords import Passwords
from server.platform.auth.tokens import TokenService

TOKENS = web.AppKey("tokens", TokenService)
PASSWORDS = web.AppKey("passwords", Passwords)
AUTH = web.AppKey("auth", Authenticator)
