"""Customer identity verification, as Intercom's and Zendesk's messengers do it.

A browser can claim any customer id, tier or e-mail, and rules and routing act on them
(tier-only pages, a customer's previous requests). So each site has an identity secret
that only the site's backend knows, and the backend signs who its customer is:

- ``user_hash``: hex HMAC-SHA256(secret, customer id). Proves the **id** only; a tier or
  an e-mail sent beside it is not covered, so it is dropped;
- ``identity_token``: a JWT (HS256, the same secret) with ``exp`` (at most a day away)
  and the claims ``id`` (or ``sub``), ``name``, ``email``, ``tier``, which replace
  whatever the browser sent.

A credential that does not verify is refused (401): a stale or forged token is a bug or
an attack, never silently half-accepted. Without a credential, a site that requires
verification drops ``id``, ``tier`` and ``email`` (the name stays: it is only shown);
a site that does not (sites created before the setting existed) keeps them, as before.
Either way the customer is marked ``verified: false``, which the console shows.
Server-to-server callers (API keys) and agents are trusted: ``verified_by`` says which.
"""

from __future__ import annotations

import hashlib
import hmac
import secrets
import time
from collections.abc import Sequence
from dataclasses import dataclass
from typing import Any

import jwt
from pydantic import BaseModel, Field, ValidationError

from server.platform.auth.principals import (
    AgentPrincipal,
    ApiKeyPrincipal,
    Principal,
    SessionPrincipal,
    SitePrincipal,
)
from server.platform.errors import FieldError, Unauthorized, Unprocessable
from server.platform.validation import field_errors
from store.base import Store
from store.escalation_models import Context, CustomerInfo, VerifiedBy
from store.models import Site

SECRET_PREFIX = "cvid_"
MAX_TOKEN_LIFETIME_S = 86_400  # a token may not claim to be valid for more than a day
LEEWAY_S = 30  # clock skew between the site's backend and coview
FIELD = "context.customer"
IDENTITY_HEADER = "X-Coview-Identity"  # the identity token on GET /api/availability


def new_identity_secret() -> str:
    return SECRET_PREFIX + secrets.token_urlsafe(32)


def user_hash(secret: str, customer_id: str) -> str:
    """What the site's backend computes for ``user_hash``."""
    # surrogatepass: a JSON string may hold a lone surrogate; it just will not match
    message = customer_id.encode("utf-8", "surrogatepass")
    return hmac.new(secret.encode(), message, hashlib.sha256).hexdigest()


class TokenClaims(BaseModel):
    """The customer a verified identity token describes (unknown claims ignored)."""

    id: str | None = Field(default=None, min_length=1, max_length=200)
    sub: str | None = Field(default=None, min_length=1, max_length=200)
    name: str | None = Field(default=None, max_length=200)
    email: str | None = Field(default=None, max_length=254)
    tier: str | None = Field(default=None, max_length=50)


@dataclass(frozen=True)
class Policy:
    """How one caller's customer claims are treated."""

    required: bool  # drop unsigned id/tier/email
    keys: tuple[str, ...]  # secrets a credential may be signed with


def _refuse(detail: str, field: str) -> Unauthorized:
    return Unauthorized(f"customer identity refused: {detail}", [FieldError(field, detail)])


def _check_hash(policy: Policy, customer: CustomerInfo) -> CustomerInfo:
    # bytes: compare_digest refuses str with non-ASCII characters
    given = (customer.user_hash or "").strip().lower().encode("utf-8", "surrogatepass")
    if not customer.id:
        raise _refuse("user_hash needs the customer id it signs", f"{FIELD}.id")
    if not any(hmac.compare_digest(given, user_hash(k, customer.id).encode()) for k in policy.keys):
        raise _refuse("user_hash does not match the customer id", f"{FIELD}.user_hash")
    # The hash covers the id only: a tier or e-mail beside it is still the browser's word.
    return customer.model_copy(
        update={"tier": None, "email": None, "verified": True, "verified_by": "hmac"}
    )


def decode_token(token: str, keys: Sequence[str]) -> TokenClaims:
    """The claims of a valid identity token, or Unauthorized saying what is wrong."""
    field = f"{FIELD}.identity_token"
    if not keys:
        raise _refuse("this site has no identity secret", field)
    claims: dict[str, Any] | None = None
    for key in keys:
        try:
            claims = jwt.decode(
                token,
                key,
                algorithms=["HS256"],
                options={"require": ["exp"], "verify_aud": False},
                leeway=LEEWAY_S,
            )
            break
        except jwt.ExpiredSignatureError as exc:
            raise _refuse("identity token expired", field) from exc
        except jwt.InvalidSignatureError:
            continue
        except jwt.InvalidTokenError as exc:
            raise _refuse(f"invalid identity token ({exc})", field) from exc
    if claims is None:
        raise _refuse("identity token signature does not verify", field)
    if float(claims["exp"]) > time.time() + MAX_TOKEN_LIFETIME_S + LEEWAY_S:
        raise _refuse("identity token lives longer than 24 hours", field)
    try:
        parsed = TokenClaims.model_validate(claims)
    except ValidationError as exc:
        raise _refuse("identity token claims are malformed", field) from exc
    if not (parsed.id or parsed.sub):
        raise _refuse("identity token has no id claim", field)
    return parsed


def _check_token(policy: Policy, customer: CustomerInfo) -> CustomerInfo:
    claims = decode_token(customer.identity_token or "", policy.keys)
    return CustomerInfo(
        id=claims.id or claims.sub,
        name=claims.name if claims.name is not None else customer.name,
        email=claims.email,
        tier=claims.tier,
        language=customer.language,
        verified=True,
        verified_by="jwt",
    )


def verify_customer(policy: Policy, customer: CustomerInfo) -> CustomerInfo:
    """The customer as the server will keep it: credentials read and removed."""
    customer = customer.model_copy(update={"verified": None, "verified_by": None})
    if customer.user_hash and customer.identity_token:
        raise _refuse("send user_hash or identity_token, not both", FIELD)
    if customer.identity_token:
        checked = _check_token(policy, customer)
    elif customer.user_hash:
        checked = _check_hash(policy, customer)
    elif policy.required:
        checked = customer.model_copy(update={"id": None, "tier": None, "email": None})
    else:
        checked = customer
    if checked.verified_by is None:
        checked = checked.model_copy(update={"verified": False})
    return checked.model_copy(update={"user_hash": None, "identity_token": None})


def trusted(customer: CustomerInfo, by: VerifiedBy) -> CustomerInfo:
    """A server-side caller's customer: taken as given, credentials removed."""
    return customer.model_copy(
        update={"user_hash": None, "identity_token": None, "verified": True, "verified_by": by}
    )


def site_policy(site: Site) -> Policy:
    keys = (site.identity_secret,) if site.identity_secret else ()
    return Policy(required=site.identity_verification, keys=keys)


async def caller_policy(store: Store, principal: Principal) -> Policy | None:
    """The policy for a browser caller; None for trusted (server or agent) callers.

    A customer's session token does not name its site: its claims are checked against
    every site of the organisation, and required if any site requires verification.
    """
    if isinstance(principal, SitePrincipal):
        return site_policy(principal.site)
    if isinstance(principal, SessionPrincipal):
        sites = await store.list_sites(principal.tenant_id)
        return Policy(
            required=any(s.identity_verification for s in sites),
            keys=tuple(s.identity_secret for s in sites if s.identity_secret),
        )
    return None


async def verify_context(store: Store, principal: Principal, context: Context) -> Context:
    """``context`` with its customer verified for this caller (see the module doc)."""
    customer = context.customer
    if customer is None:
        return context
    policy = await caller_policy(store, principal)
    if policy is not None:
        checked = verify_customer(policy, customer)
    elif isinstance(principal, ApiKeyPrincipal):
        checked = trusted(customer, "api_key")
    else:
        assert isinstance(principal, AgentPrincipal)
        checked = trusted(customer, "agent")
    return context.model_copy(update={"customer": checked})


def verified_tier(policy: Policy, tier: str | None, token: str | None) -> str | None:
    """The tier ``GET /api/availability`` may use: from a valid identity token, else the
    query's own only where the site does not require verification."""
    if token:
        return decode_token(token, policy.keys).tier
    return None if policy.required else tier


def verified_id(customer: CustomerInfo | None) -> str | None:
    """The customer id to index an escalation by (a customer's previous requests): only a
    verified one, so nobody can file requests under someone else's history."""
    return customer.id if customer is not None and customer.verified else None


async def verified_customer(
    store: Store, principal: Principal, context: dict[str, Any]
) -> dict[str, Any]:
    """A free-form context (a chat's, kept as given) with its ``customer`` verified now,
    so the hand-off later need not see the (by then perhaps expired) credential."""
    raw = context.get("customer")
    if raw is None:
        return context
    try:
        customer = CustomerInfo.model_validate(raw)
    except ValidationError as exc:
        errors = [FieldError(f"{FIELD}.{e.field}", e.message) for e in field_errors(exc)]
        raise Unprocessable("the customer is not valid", errors=errors) from exc
    checked = await verify_context(store, principal, Context(customer=customer))
    assert checked.customer is not None
    return {**context, "customer": checked.customer.model_dump(exclude_none=True)}
