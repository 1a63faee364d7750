"""The Store protocol: every piece of shared state goes through it.

``Store`` is the union of one protocol per domain (``CoreStore`` here; escalations,
co-browse, media... each in its own module). Both implementations (``SqliteStore``
for one node, ``RedisStore`` for several) are built the same way, from one mixin per
domain, and pass the same contract tests (``tests/test_store_*.py``).
"""

from __future__ import annotations

from datetime import datetime
from typing import Protocol

from store.audit import AuditStore
from store.callbacks import CallbackStore
from store.chat import ChatStore
from store.cobrowse import CobrowseStore
from store.conversion import ConversionStore
from store.engagement import EngagementStore
from store.escalation_base import EscalationStore
from store.models import Agent, ApiKey, Invite, Peer, Presence, Session, Site, Tenant
from store.privacy import PrivacyStore
from store.retention import RetentionStore
from store.settings import SettingsStore
from store.subjects import SubjectStore
from store.webhooks import WebhookStore


class DuplicateError(Exception):
    """A record with the same unique field already exists."""


class CoreStore(Protocol):
    async def open(self) -> None: ...
    async def close(self) -> None: ...
    async def ping(self) -> None:
        """Raise when the backing service cannot be reached."""
        ...

    # tenants and sites
    async def put_tenant(self, tenant: Tenant) -> None: ...
    async def get_tenant(self, tenant_id: str) -> Tenant | None: ...
    async def put_site(self, site: Site) -> None: ...
    async def get_site(self, site_id: str) -> Site | None: ...
    async def get_site_by_key(self, site_key: str) -> Site | None: ...
    async def list_sites(self, tenant_id: str) -> list[Site]: ...

    # agents
    async def create_agent(self, agent: Agent) -> None:
        """Raise DuplicateError when the e-mail is taken."""
        ...

    async def update_agent(self, agent: Agent) -> None: ...
    async def get_agent(self, agent_id: str) -> Agent | None: ...
    async def get_agent_by_email(self, email: str) -> Agent | None: ...
    async def list_agents(self, tenant_id: str) -> list[Agent]: ...
    async def set_presence(
        self, agent_id: str, presence: Presence, at: datetime
    ) -> Agent | None: ...

    # API keys and revoked tokens
    async def put_api_key(self, key: ApiKey) -> None: ...
    async def get_api_key(self, key_hash: str) -> ApiKey | None: ...
    async def revoke_token(self, jti: str, expires_at: datetime) -> None: ...
    async def is_token_revoked(self, jti: str) -> bool: ...

    # sessions, invites and the peers present in a session
    async def create_session(self, session: Session) -> None: ...
    async def get_session(self, session_id: str) -> Session | None: ...
    async def update_session(self, session: Session) -> None: ...
    async def create_invite(self, invite: Invite) -> None:
        """Raise DuplicateError when a live invite already has this short code."""
        ...

    async def consume_invite(
        self, *, invite_id: str | None = None, short_code: str | None = None, now: datetime
    ) -> Invite | None:
        """Mark a live, unused invite used and return it; None for everyone after the first."""
        ...

    async def add_peer(self, session_id: str, peer: Peer) -> None:
        """Add or replace (same id: a reconnect) a peer."""
        ...

    async def remove_peer(self, session_id: str, peer_id: str, sid: str) -> bool:
        """Remove the peer only if ``sid`` is still its connection (a reconnect wins)."""
        ...

    async def list_peers(self, session_id: str) -> list[Peer]: ...


class Store(
    CoreStore,
    ChatStore,
    AuditStore,
    SettingsStore,
    CallbackStore,
    EscalationStore,
    EngagementStore,
    ConversionStore,
    WebhookStore,
    CobrowseStore,
    PrivacyStore,
    SubjectStore,
    RetentionStore,
    Protocol,
):
    """Everything the application keeps; add a domain's protocol to the bases."""
