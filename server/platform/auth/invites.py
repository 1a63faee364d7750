"""Invites: single-use, short-lived ways to hand someone a session token."""

from __future__ import annotations

import secrets
from datetime import timedelta

from server.platform.config import Config
from store.base import DuplicateError, Store
from store.models import Invite, ParticipantRole, Session, utcnow

_CODE_ATTEMPTS = 20


def new_short_code() -> str:
    return f"{secrets.randbelow(1_000_000):06d}"


async def issue_invite(
    store: Store,
    config: Config,
    session: Session,
    role: ParticipantRole,
    created_by: str | None = None,
) -> Invite:
    """A fresh invite whose 6-digit code is unique among live invites."""
    expires_at = utcnow() + timedelta(seconds=config.invite_ttl_s)
    for _ in range(_CODE_ATTEMPTS):
        invite = Invite(
            id=secrets.token_urlsafe(24),
            short_code=new_short_code(),
            tenant_id=session.tenant_id,
            session_id=session.id,
            role=role,
            created_by=created_by,
            expires_at=expires_at,
        )
        try:
            await store.create_invite(invite)
        except DuplicateError:
            continue
        return invite
    raise RuntimeError("could not find a free short code")


def join_url(config: Config, invite: Invite) -> str:
    return f"{config.base_url}/join?invite={invite.id}"


def invite_view(config: Config, invite: Invite) -> dict[str, str]:
    return {
        "join_url": join_url(config, invite),
        "short_code": invite.short_code,
        "expires_at": invite.expires_at.isoformat(),
    }
