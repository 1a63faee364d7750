"""Tenants, sites, agents, API keys, revoked tokens, sessions, invites and peers.

Records are JSON documents with the fields that need an index or a compare-and-set
next to them as columns.
"""

from __future__ import annotations

from datetime import datetime

from store.base import DuplicateError
from store.models import Agent, ApiKey, Invite, Peer, Presence, Session, Site, Tenant, utcnow
from store.sqlite.base import SqliteBase


class SqliteCore(SqliteBase):
    SCHEMA = """
    CREATE TABLE IF NOT EXISTS tenants (id TEXT PRIMARY KEY, data TEXT NOT NULL);
    CREATE TABLE IF NOT EXISTS sites (
        id TEXT PRIMARY KEY, tenant_id TEXT NOT NULL, site_key TEXT NOT NULL UNIQUE,
        data TEXT NOT NULL);
    CREATE TABLE IF NOT EXISTS agents (
        id TEXT PRIMARY KEY, tenant_id TEXT NOT NULL, email TEXT NOT NULL UNIQUE,
        data TEXT NOT NULL);
    CREATE TABLE IF NOT EXISTS api_keys (key_hash TEXT PRIMARY KEY, data TEXT NOT NULL);
    CREATE TABLE IF NOT EXISTS revoked_tokens (jti TEXT PRIMARY KEY, expires_at REAL NOT NULL);
    CREATE TABLE IF NOT EXISTS sessions (id TEXT PRIMARY KEY, data TEXT NOT NULL);
    CREATE TABLE IF NOT EXISTS invites (
        id TEXT PRIMARY KEY, short_code TEXT NOT NULL, expires_at REAL NOT NULL,
        used_at REAL, data TEXT NOT NULL);
    CREATE INDEX IF NOT EXISTS invites_code ON invites (short_code);
    CREATE TABLE IF NOT EXISTS peers (
        session_id TEXT NOT NULL, peer_id TEXT NOT NULL, sid TEXT NOT NULL, data TEXT NOT NULL,
        PRIMARY KEY (session_id, peer_id));
    """

    # tenants and sites --------------------------------------------------------------
    async def put_tenant(self, tenant: Tenant) -> None:
        await self._write(
            "INSERT OR REPLACE INTO tenants (id, data) VALUES (?, ?)",
            (tenant.id, tenant.model_dump_json()),
        )

    async def get_tenant(self, tenant_id: str) -> Tenant | None:
        return await self._get(Tenant, "SELECT data FROM tenants WHERE id = ?", (tenant_id,))

    async def put_site(self, site: Site) -> None:
        await self._write(
            "INSERT INTO sites (id, tenant_id, site_key, data) VALUES (?, ?, ?, ?) "
            "ON CONFLICT (id) DO UPDATE SET site_key = excluded.site_key, data = excluded.data",
            (site.id, site.tenant_id, site.site_key, site.model_dump_json()),
        )

    async def get_site(self, site_id: str) -> Site | None:
        return await self._get(Site, "SELECT data FROM sites WHERE id = ?", (site_id,))

    async def get_site_by_key(self, site_key: str) -> Site | None:
        return await self._get(Site, "SELECT data FROM sites WHERE site_key = ?", (site_key,))

    async def list_sites(self, tenant_id: str) -> list[Site]:
        return await self._list(
            Site, "SELECT data FROM sites WHERE tenant_id = ? ORDER BY id", (tenant_id,)
        )

    # agents -------------------------------------------------------------------------
    async def create_agent(self, agent: Agent) -> None:
        await self._write(
            "INSERT INTO agents (id, tenant_id, email, data) VALUES (?, ?, ?, ?)",
            (agent.id, agent.tenant_id, agent.email.lower(), agent.model_dump_json()),
        )

    async def update_agent(self, agent: Agent) -> None:
        await self._write(
            "UPDATE agents SET email = ?, data = ? WHERE id = ?",
            (agent.email.lower(), agent.model_dump_json(), agent.id),
        )

    async def get_agent(self, agent_id: str) -> Agent | None:
        return await self._get(Agent, "SELECT data FROM agents WHERE id = ?", (agent_id,))

    async def get_agent_by_email(self, email: str) -> Agent | None:
        return await self._get(Agent, "SELECT data FROM agents WHERE email = ?", (email.lower(),))

    async def list_agents(self, tenant_id: str) -> list[Agent]:
        return await self._list(
            Agent, "SELECT data FROM agents WHERE tenant_id = ? ORDER BY id", (tenant_id,)
        )

    async def set_presence(self, agent_id: str, presence: Presence, at: datetime) -> Agent | None:
        agent = await self.get_agent(agent_id)
        if agent is None:
            return None
        updated = agent.model_copy(update={"presence": presence, "presence_changed_at": at})
        await self.update_agent(updated)
        return updated

    # API keys and revoked tokens ----------------------------------------------------
    async def put_api_key(self, key: ApiKey) -> None:
        await self._write(
            "INSERT OR REPLACE INTO api_keys (key_hash, data) VALUES (?, ?)",
            (key.key_hash, key.model_dump_json()),
        )

    async def get_api_key(self, key_hash: str) -> ApiKey | None:
        return await self._get(ApiKey, "SELECT data FROM api_keys WHERE key_hash = ?", (key_hash,))

    async def revoke_token(self, jti: str, expires_at: datetime) -> None:
        await self._write(
            "INSERT OR REPLACE INTO revoked_tokens (jti, expires_at) VALUES (?, ?)",
            (jti, expires_at.timestamp()),
        )

    async def is_token_revoked(self, jti: str) -> bool:
        return (
            await self._fetchone("SELECT 1 FROM revoked_tokens WHERE jti = ?", (jti,)) is not None
        )

    # sessions, invites, peers -------------------------------------------------------
    async def create_session(self, session: Session) -> None:
        await self._write(
            "INSERT INTO sessions (id, data) VALUES (?, ?)", (session.id, session.model_dump_json())
        )

    async def get_session(self, session_id: str) -> Session | None:
        return await self._get(Session, "SELECT data FROM sessions WHERE id = ?", (session_id,))

    async def update_session(self, session: Session) -> None:
        await self._write(
            "UPDATE sessions SET data = ? WHERE id = ?", (session.model_dump_json(), session.id)
        )

    async def create_invite(self, invite: Invite) -> None:
        inserted = await self._write(
            "INSERT INTO invites (id, short_code, expires_at, used_at, data) "
            "SELECT ?, ?, ?, NULL, ? WHERE NOT EXISTS ("
            "  SELECT 1 FROM invites WHERE short_code = ? AND used_at IS NULL AND expires_at > ?)",
            (
                invite.id,
                invite.short_code,
                invite.expires_at.timestamp(),
                invite.model_dump_json(),
                invite.short_code,
                utcnow().timestamp(),
            ),
        )
        if inserted == 0:
            raise DuplicateError(f"short code {invite.short_code} is live")

    async def consume_invite(
        self, *, invite_id: str | None = None, short_code: str | None = None, now: datetime
    ) -> Invite | None:
        column, value = ("id", invite_id) if invite_id is not None else ("short_code", short_code)
        if value is None:
            return None
        rows = await self._returning(
            f"UPDATE invites SET used_at = ? WHERE {column} = ? AND used_at IS NULL "
            "AND expires_at > ? RETURNING data",
            (now.timestamp(), value, now.timestamp()),
        )
        if not rows:
            return None
        row = rows[0]
        return Invite.model_validate_json(row[0]).model_copy(update={"used_at": now})

    async def add_peer(self, session_id: str, peer: Peer) -> None:
        await self._write(
            "INSERT OR REPLACE INTO peers (session_id, peer_id, sid, data) VALUES (?, ?, ?, ?)",
            (session_id, peer.id, peer.sid, peer.model_dump_json()),
        )

    async def remove_peer(self, session_id: str, peer_id: str, sid: str) -> bool:
        removed = await self._write(
            "DELETE FROM peers WHERE session_id = ? AND peer_id = ? AND sid = ?",
            (session_id, peer_id, sid),
        )
        return removed > 0

    async def list_peers(self, session_id: str) -> list[Peer]:
        return await self._list(
            Peer, "SELECT data FROM peers WHERE session_id = ? ORDER BY rowid", (session_id,)
        )
