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
| conversation:{id}                | string | Conversation JSON                            |
| conversation:{id}:messages       | list   | ChatMessage JSON, index = seq - 1            |
| conversation:{id}:client-ids     | hash   | sender's client id -> seq (dedupe)           |
| audit:{tenant id}                | list   | AuditEvent JSON, newest first, capped        |
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
| escalation:{id}                  | string | Escalation JSON                              |
| escalation:{id}:events           | list   | EscalationEvent JSON, index = seq - 1        |
| tenant:{id}:escalations          | zset   | escalation ids by created_at                 |
| tenant:{id}:state:{state}        | zset   | ids in a state; queued: by routing order     |
| tenant:{id}:customer:{cid}       | zset   | a customer's escalation ids by created_at    |
| agent-loads                      | hash   | agent id -> {chat, video, cobrowse, idle_since} |
| escalation-deadlines             | zset   | "{kind}|{escalation id}" by due time (s)     |
| idempotency:{key}                | hash   | body hash, done, status, response; expires   |
| setting:{tenant id}:{name}       | string | a settings document (JSON)                   |
| callback:{id}                    | string | a callback request (JSON)                    |
| callbacks:{tenant id}:{status}   | zset   | callback ids by creation time, per status    |
| invalidate                       | pubsub | changes to locally copied records (cache.py) |
| socketio                         | pubsub | python-socketio's AsyncRedisManager channel  |
| cobrowse:{sid}:checkpoint        | list   | full snapshot batch, then batches since      |
| cobrowse:{sid}:checkpoint-at     | string | unix time of that snapshot                   |
| cobrowse:{sid}:control           | string | ControlState JSON (requested_by, granted_to) |
| cobrowse:{sid}                   | pubsub | co-browse frames of a session, all nodes     |
| consents:{session id}            | list   | ConsentRecord JSON, oldest first             |
| subject:{tenant}:{hash}          | set    | refs of a customer's records (subjects.py)   |
| escalation:{id}:webhook-deliveries | set  | ids of the deliveries about an escalation    |
| tenant:{id}:consent-sessions     | zset   | session ids by their newest consent's time   |
| lease:{name}                     | hash   | holder, until (s): one node runs a job       |
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

    def conversation(self, conversation_id: str) -> str:
        return f"{self.prefix}conversation:{conversation_id}"

    def conversation_messages(self, conversation_id: str) -> str:
        return f"{self.prefix}conversation:{conversation_id}:messages"

    def conversation_client_ids(self, conversation_id: str) -> str:
        return f"{self.prefix}conversation:{conversation_id}:client-ids"

    def audit(self, tenant_id: str) -> str:
        return f"{self.prefix}audit:{tenant_id}"

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

    def escalation(self, escalation_id: str) -> str:
        return f"{self.prefix}escalation:{escalation_id}"

    def escalation_events(self, escalation_id: str) -> str:
        return f"{self.prefix}escalation:{escalation_id}:events"

    def tenant_escalations(self, tenant_id: str) -> str:
        return f"{self.prefix}tenant:{tenant_id}:escalations"

    def tenant_state(self, tenant_id: str, state: str) -> str:
        return f"{self.prefix}tenant:{tenant_id}:state:{state}"

    def tenant_customer(self, tenant_id: str, customer_id: str) -> str:
        return f"{self.prefix}tenant:{tenant_id}:customer:{customer_id}"

    @property
    def agent_loads(self) -> str:
        return f"{self.prefix}agent-loads"

    @property
    def escalation_deadlines(self) -> str:
        return f"{self.prefix}escalation-deadlines"

    def idempotency(self, key: str) -> str:
        return f"{self.prefix}idempotency:{key}"

    def subject(self, tenant_id: str, key: str) -> str:
        return f"{self.prefix}subject:{tenant_id}:{key}"

    def escalation_deliveries(self, escalation_id: str) -> str:
        return f"{self.prefix}escalation:{escalation_id}:webhook-deliveries"

    def consents(self, session_id: str) -> str:
        return f"{self.prefix}consents:{session_id}"

    def tenant_consent_sessions(self, tenant_id: str) -> str:
        return f"{self.prefix}tenant:{tenant_id}:consent-sessions"

    def lease(self, name: str) -> str:
        return f"{self.prefix}lease:{name}"

    def setting(self, tenant_id: str, name: str) -> str:
        return f"{self.prefix}setting:{tenant_id}:{name}"

    def callback(self, callback_id: str) -> str:
        return f"{self.prefix}callback:{callback_id}"

    def callbacks(self, tenant_id: str, status: str) -> str:
        return f"{self.prefix}callbacks:{tenant_id}:{status}"

    @property
    def invalidation_channel(self) -> str:
        return f"{self.prefix}invalidate"

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
