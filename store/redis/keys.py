"""The Redis key layout, in one place so an operator can read the keyspace.

Every key starts with the configured prefix (default ``coview:``).

| key                              | type   | holds                                        |
|----------------------------------|--------|----------------------------------------------|
| tenant:{id}                      | string | Tenant JSON                                  |
| site:{id}                        | string | Site JSON                                    |
| site-key:{site_key}              | string | site id                                      |
| tenant:{id}:sites                | set    | site ids of a tenant                         |
| agent:{id}                       | string | Agent JSON                                   |
| agent-email:{email}              | string | agent id (SET NX makes e-mails unique)       |
| tenant:{id}:agents               | set    | agent ids of a tenant                        |
| api-key:{sha256}                 | string | ApiKey JSON                                  |
| revoked:{jti}                    | string | "1", expires with the token                  |
| session:{id}                     | string | Session JSON                                 |
| invite:{id}                      | string | Invite JSON, expires with the invite         |
| invite-code:{code}               | string | invite id while the code is live (SET NX)    |
| session:{id}:peers               | hash   | peer id -> Peer JSON                         |
| socketio                         | pubsub | python-socketio's AsyncRedisManager channel  |
| cobrowse:{sid}:checkpoint        | list   | full snapshot batch, then batches since      |
| cobrowse:{sid}:checkpoint-at     | string | unix time of that snapshot                   |
| cobrowse:{sid}:control           | string | ControlState JSON (requested_by, granted_to) |
| cobrowse:{sid}                   | pubsub | co-browse frames of a session, all nodes     |
"""

from __future__ import annotations


class RedisKeys:
    def __init__(self, prefix: str) -> None:
        self.prefix = prefix

    def tenant(self, tenant_id: str) -> str:
        return f"{self.prefix}tenant:{tenant_id}"

    def site(self, site_id: str) -> str:
        return f"{self.prefix}site:{site_id}"

    def site_key(self, site_key: str) -> str:
        return f"{self.prefix}site-key:{site_key}"

    def tenant_sites(self, tenant_id: str) -> str:
        return f"{self.prefix}tenant:{tenant_id}:sites"

    def agent(self, agent_id: str) -> str:
        return f"{self.prefix}agent:{agent_id}"

    def agent_email(self, email: str) -> str:
        return f"{self.prefix}agent-email:{email.lower()}"

    def tenant_agents(self, tenant_id: str) -> str:
        return f"{self.prefix}tenant:{tenant_id}:agents"

    def api_key(self, key_hash: str) -> str:
        return f"{self.prefix}api-key:{key_hash}"

    def revoked(self, jti: str) -> str:
        return f"{self.prefix}revoked:{jti}"

    def session(self, session_id: str) -> str:
        return f"{self.prefix}session:{session_id}"

    def invite(self, invite_id: str) -> str:
        return f"{self.prefix}invite:{invite_id}"

    def invite_code(self, code: str) -> str:
        return f"{self.prefix}invite-code:{code}"

    def session_peers(self, session_id: str) -> str:
        return f"{self.prefix}session:{session_id}:peers"

    @property
    def socketio_channel(self) -> str:
        return f"{self.prefix}socketio"

    def cobrowse_checkpoint(self, session_id: str) -> str:
        return f"{self.prefix}cobrowse:{session_id}:checkpoint"

    def cobrowse_checkpoint_at(self, session_id: str) -> str:
        return f"{self.prefix}cobrowse:{session_id}:checkpoint-at"

    def cobrowse_control(self, session_id: str) -> str:
        return f"{self.prefix}cobrowse:{session_id}:control"

    def cobrowse_channel(self, session_id: str) -> str:
        return f"{self.prefix}cobrowse:{session_id}"
