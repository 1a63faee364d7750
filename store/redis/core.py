"""Tenants, sites, agents, API keys, revoked tokens, sessions, invites and peers."""

from __future__ import annotations

import time
from datetime import datetime

from redis.asyncio.client import Pipeline

from store.base import DuplicateError
from store.models import Agent, ApiKey, Invite, Peer, Presence, Session, Site, Tenant, utcnow
from store.redis.base import RedisBase, _text
from store.redis.cache import DenyList, LocalCache

# KEYS[1] invite hash. ARGV[1] used-at timestamp, ARGV[2] invite-code key prefix.
CONSUME_INVITE = """
if redis.call('EXISTS', KEYS[1]) == 0 then return false end
if redis.call('HSETNX', KEYS[1], 'used', ARGV[1]) == 0 then return false end
local code = redis.call('HGET', KEYS[1], 'code')
if code then redis.call('DEL', ARGV[2] .. code) end
return redis.call('HGET', KEYS[1], 'data')
"""

# KEYS[1] invite-code key, KEYS[2] invite hash. ARGV[1] invite id, ARGV[2] expiry (unix
# ms), ARGV[3] invite JSON, ARGV[4] short code. The code is taken (NX) or nothing is written.
CREATE_INVITE = """
if not redis.call('SET', KEYS[1], ARGV[1], 'NX', 'PXAT', ARGV[2]) then return 0 end
redis.call('HSET', KEYS[2], 'data', ARGV[3], 'code', ARGV[4])
redis.call('PEXPIREAT', KEYS[2], ARGV[2])
return 1
"""

# KEYS[1] peers hash. ARGV[1] peer id, ARGV[2] the sid that must still own it.
REMOVE_PEER = """
local raw = redis.call('HGET', KEYS[1], ARGV[1])
if not raw then return 0 end
if cjson.decode(raw)['sid'] ~= ARGV[2] then return 0 end
redis.call('HDEL', KEYS[1], ARGV[1])
return 1
"""


class RedisCore(RedisBase):
    # Authentication reads these on every request: local copies (``store/redis/cache.py``)
    _agents: LocalCache[Agent]
    _api_keys: LocalCache[ApiKey]
    _revoked: DenyList

    def _register_scripts(self) -> None:
        self._consume_invite = self.redis.register_script(CONSUME_INVITE)
        self._remove_peer = self.redis.register_script(REMOVE_PEER)
        self._create_invite = self.redis.register_script(CREATE_INVITE)
        self._agents, self._api_keys, self._revoked = LocalCache(), LocalCache(), DenyList()
        bus = self.invalidations
        bus.handle("agent", lambda ident, _: self._agents.drop(ident), self._agents.clear)
        bus.handle("api-key", lambda ident, _: self._api_keys.drop(ident), self._api_keys.clear)
        bus.handle(
            "revoked", lambda jti, until: self._revoked.add(jti, float(until)), self._revoked.clear
        )

    async def _load_local_copy(self) -> None:
        """The whole deny-list: a token absent from it is taken as not revoked."""
        async for key in self.redis.scan_iter(match=self.keys.revoked("*"), count=1000):
            ttl_ms = await self.redis.pttl(key)
            if ttl_ms > 0:
                jti = _text(key).removeprefix(self.keys.revoked(""))
                self._revoked.add(jti, time.time() + ttl_ms / 1000)

    # tenants and sites --------------------------------------------------------------
    async def put_tenant(self, tenant: Tenant) -> None:
        await self.redis.set(self.keys.tenant(tenant.id), tenant.model_dump_json())

    async def get_tenant(self, tenant_id: str) -> Tenant | None:
        return await self._get(Tenant, self.keys.tenant(tenant_id))

    async def put_site(self, site: Site) -> None:
        old = await self.get_site(site.id)
        async with self.redis.pipeline(transaction=True) as pipe:
            if old is not None and old.site_key != site.site_key:
                pipe.delete(self.keys.site_key(old.site_key))
            pipe.set(self.keys.site(site.id), site.model_dump_json())
            pipe.set(self.keys.site_key(site.site_key), site.id)
            pipe.sadd(self.keys.tenant_sites(site.tenant_id), site.id)
            await pipe.execute()

    async def get_site(self, site_id: str) -> Site | None:
        return await self._get(Site, self.keys.site(site_id))

    async def get_site_by_key(self, site_key: str) -> Site | None:
        site_id = await self.redis.get(self.keys.site_key(site_key))
        return None if site_id is None else await self.get_site(_text(site_id))

    async def list_sites(self, tenant_id: str) -> list[Site]:
        ids = sorted(map(_text, await self.redis.smembers(self.keys.tenant_sites(tenant_id))))
        return await self._get_many(Site, [self.keys.site(i) for i in ids])

    # agents -------------------------------------------------------------------------
    async def create_agent(self, agent: Agent) -> None:
        if not await self.redis.set(self.keys.agent_email(agent.email), agent.id, nx=True):
            raise DuplicateError(f"e-mail {agent.email} is taken")
        key, value = self.keys.agent(agent.id), agent.model_dump_json()
        agents = self.keys.tenant_agents(agent.tenant_id)

        def writes(pipe: Pipeline) -> None:
            pipe.set(key, value)
            pipe.sadd(agents, agent.id)

        await self._write_and_announce(writes, "agent", agent.id)  # a copy may say "none"

    async def update_agent(self, agent: Agent) -> None:
        old = await self._get(Agent, self.keys.agent(agent.id))
        if old is not None and old.email.lower() != agent.email.lower():
            if not await self.redis.set(self.keys.agent_email(agent.email), agent.id, nx=True):
                raise DuplicateError(f"e-mail {agent.email} is taken")
            await self.redis.delete(self.keys.agent_email(old.email))
        await self._put_agent(agent)

    async def _put_agent(self, agent: Agent) -> None:
        key, value = self.keys.agent(agent.id), agent.model_dump_json()
        await self._write_and_announce(lambda pipe: pipe.set(key, value), "agent", agent.id)

    async def get_agent(self, agent_id: str) -> Agent | None:
        key = self.keys.agent(agent_id)
        return await self._through(self._agents, agent_id, lambda: self._get(Agent, key))

    async def get_agent_by_email(self, email: str) -> Agent | None:
        agent_id = await self.redis.get(self.keys.agent_email(email))
        return None if agent_id is None else await self.get_agent(_text(agent_id))

    async def list_agents(self, tenant_id: str) -> list[Agent]:
        ids = sorted(map(_text, await self.redis.smembers(self.keys.tenant_agents(tenant_id))))
        return await self._get_many(Agent, [self.keys.agent(i) for i in ids])

    async def set_presence(self, agent_id: str, presence: Presence, at: datetime) -> Agent | None:
        agent = await self._get(Agent, self.keys.agent(agent_id))  # not a copy: it is rewritten
        if agent is None:
            return None
        updated = agent.model_copy(update={"presence": presence, "presence_changed_at": at})
        await self._put_agent(updated)
        return updated

    # API keys and revoked tokens ----------------------------------------------------
    async def put_api_key(self, key: ApiKey) -> None:
        name, value = self.keys.api_key(key.key_hash), key.model_dump_json()
        await self._write_and_announce(lambda pipe: pipe.set(name, value), "api-key", key.key_hash)

    async def get_api_key(self, key_hash: str) -> ApiKey | None:
        key = self.keys.api_key(key_hash)
        return await self._through(self._api_keys, key_hash, lambda: self._get(ApiKey, key))

    async def revoke_token(self, jti: str, expires_at: datetime) -> None:
        ttl_ms = max(1, int((expires_at - utcnow()).total_seconds() * 1000))
        key, until = self.keys.revoked(jti), repr(expires_at.timestamp())
        await self._write_and_announce(
            lambda pipe: pipe.set(key, "1", px=ttl_ms), "revoked", jti, until
        )

    async def is_token_revoked(self, jti: str) -> bool:
        if self.invalidations.live:  # the local deny-list is complete while subscribed
            return jti in self._revoked
        return bool(await self.redis.exists(self.keys.revoked(jti)))

    # sessions, invites, peers -------------------------------------------------------
    async def create_session(self, session: Session) -> None:
        if not await self.redis.set(
            self.keys.session(session.id), session.model_dump_json(), nx=True
        ):
            raise DuplicateError(f"session {session.id} exists")

    async def get_session(self, session_id: str) -> Session | None:
        return await self._get(Session, self.keys.session(session_id))

    async def update_session(self, session: Session) -> None:
        await self.redis.set(self.keys.session(session.id), session.model_dump_json(), xx=True)

    async def create_invite(self, invite: Invite) -> None:
        created = await self._create_invite(
            keys=[self.keys.invite_code(invite.short_code), self.keys.invite(invite.id)],
            args=[
                invite.id,
                int(invite.expires_at.timestamp() * 1000),
                invite.model_dump_json(),
                invite.short_code,
            ],
        )
        if not created:
            raise DuplicateError(f"short code {invite.short_code} is live")

    async def consume_invite(
        self, *, invite_id: str | None = None, short_code: str | None = None, now: datetime
    ) -> Invite | None:
        if invite_id is None and short_code is not None:
            found = await self.redis.get(self.keys.invite_code(short_code))
            invite_id = None if found is None else _text(found)
        if invite_id is None:
            return None
        raw = await self._consume_invite(
            keys=[self.keys.invite(invite_id)],
            args=[str(now.timestamp()), self.keys.invite_code("")],
        )
        if not raw:
            return None
        invite = Invite.model_validate_json(raw)
        if invite.expires_at <= now:
            return None
        return invite.model_copy(update={"used_at": now})

    async def add_peer(self, session_id: str, peer: Peer) -> None:
        await self.redis.hset(self.keys.session_peers(session_id), peer.id, peer.model_dump_json())

    async def remove_peer(self, session_id: str, peer_id: str, sid: str) -> bool:
        removed = await self._remove_peer(
            keys=[self.keys.session_peers(session_id)], args=[peer_id, sid]
        )
        return bool(removed)

    async def list_peers(self, session_id: str) -> list[Peer]:
        raws = await self.redis.hvals(self.keys.session_peers(session_id))
        peers = [Peer.model_validate_json(r) for r in raws]
        return sorted(peers, key=lambda p: p.joined_at)
