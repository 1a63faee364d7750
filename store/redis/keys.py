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
| rules:{tenant}                   | string | availability/display rules JSON of a tenant  |
| bot-conversation:{id}            | string | BotConversation JSON (expires after a week)  |
| csat:{escalation}                | string | CsatAnswer JSON (SET NX: one per escalation) |
| tenant:{id}:csat                 | zset   | escalation ids by answer time                |
| webhook:{id}                     | string | WebhookEndpoint JSON                         |
| tenant:{id}:webhooks             | set    | webhook endpoint ids of a tenant             |
| webhook-delivery:{id}            | string | WebhookDelivery JSON                         |
| webhook-deliveries:due           | zset   | pending delivery ids by due time (or lease)  |
| tenant:{id}:webhook-deliveries   | zset   | delivery ids by creation time                |
| webhook:{id}:deliveries          | zset   | delivery ids of an endpoint by creation time |
| socketio                         | pubsub | python-socketio's AsyncRedisManager channel  |
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

    def rules(self, tenant_id: str) -> str:
        return f"{self.prefix}rules:{tenant_id}"

    def bot_conversation(self, conversation_id: str) -> str:
        return f"{self.prefix}bot-conversation:{conversation_id}"

    def csat(self, escalation_id: str) -> str:
        return f"{self.prefix}csat:{escalation_id}"

    def tenant_csat(self, tenant_id: str) -> str:
        return f"{self.prefix}tenant:{tenant_id}:csat"

    def webhook(self, endpoint_id: str) -> str:
        return f"{self.prefix}webhook:{endpoint_id}"

    def tenant_webhooks(self, tenant_id: str) -> str:
        return f"{self.prefix}tenant:{tenant_id}:webhooks"

    def webhook_delivery(self, delivery_id: str) -> str:
        return f"{self.prefix}webhook-delivery:{delivery_id}"

    @property
    def deliveries_due(self) -> str:
        return f"{self.prefix}webhook-deliveries:due"

    def tenant_deliveries(self, tenant_id: str) -> str:
        return f"{self.prefix}tenant:{tenant_id}:webhook-deliveries"

    def endpoint_deliveries(self, endpoint_id: str) -> str:
        return f"{self.prefix}webhook:{endpoint_id}:deliveries"

    @property
    def socketio_channel(self) -> str:
        return f"{self.prefix}socketio"
