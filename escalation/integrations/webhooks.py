"""Webhook deliveries: escalation events become signed messages to each subscribed
endpoint, retried with exponential backoff.

Every pending delivery is a deadline in the store. Each node runs a worker that claims
due deliveries atomically (leasing them), sends them and records the attempt; a node
that dies mid-way lets the lease run out and another node sends it. Receivers must be
idempotent on ``webhook-id`` (the same on every retry), as Standard Webhooks expects.
"""

from __future__ import annotations

import asyncio
import contextlib
import json
import logging
import secrets
import time
from collections.abc import AsyncIterator, Sequence
from datetime import datetime, timedelta
from fnmatch import fnmatchcase
from typing import Any

import aiohttp
from aiohttp import web

from escalation.core.events import EscalationObserver
from server.platform import signing as webhook_signing
from server.platform.config import Config
from server.platform.keys import CONFIG, STORE
from server.platform.outbound import OutboundPolicy, refusal_of
from store.base import Store
from store.engagement_models import DeliveryAttempt, WebhookDelivery, WebhookEndpoint
from store.escalation_models import Escalation, EscalationEvent
from store.models import utcnow
from store.outage import OutageLog, cancel_and_wait

log = logging.getLogger("coview.webhooks")

EVENT_PREFIX = "escalation."
CLAIM_BATCH = 20
PRUNE_EVERY_S = 3_600.0
ENDPOINTS_TTL_S = 1.0
MAX_ERROR_CHARS = 300
REFUSED = "refused: "  # a delivery the outbound policy stopped (server/platform/outbound.py)


def subscribed(endpoint: WebhookEndpoint, event_type: str) -> bool:
    return not endpoint.event_types or any(fnmatchcase(event_type, p) for p in endpoint.event_types)


def backoff_s(config: Config, attempts: int) -> float:
    """Delay before the next try after ``attempts`` failed ones: base·2^(n-1), capped."""
    return float(min(config.webhook_backoff_max_s, config.webhook_backoff_s * 2 ** (attempts - 1)))


def message_body(event_type: str, data: dict[str, Any], at: datetime) -> str:
    return json.dumps(
        {"type": event_type, "timestamp": at.isoformat(), "data": data},
        separators=(",", ":"),
        ensure_ascii=False,
    )


class WebhookDispatcher:
    """Enqueues deliveries and runs this node's delivery worker."""

    def __init__(self, store: Store, config: Config) -> None:
        self.store = store
        self.config = config
        self._wake = asyncio.Event()
        self._http: aiohttp.ClientSession | None = None
        self.outbound = OutboundPolicy.from_entries(config.outbound_allow)
        self._endpoints: dict[str, tuple[float, list[WebhookEndpoint]]] = {}

    async def endpoints(self, tenant_id: str) -> list[WebhookEndpoint]:
        """The tenant's endpoints, read from the store at most every ENDPOINTS_TTL_S:
        every escalation event asks, and most tenants have none."""
        now = time.monotonic()
        cached = self._endpoints.get(tenant_id)
        if cached is not None and now - cached[0] < ENDPOINTS_TTL_S:
            return cached[1]
        found = await self.store.list_webhooks(tenant_id)
        self._endpoints[tenant_id] = (now, found)
        return found

    def forget_endpoints(self, tenant_id: str) -> None:
        """After a change made on this node (other nodes see it within the TTL)."""
        self._endpoints.pop(tenant_id, None)

    async def publish(
        self,
        tenant_id: str,
        event_type: str,
        data: dict[str, Any],
        at: datetime | None = None,
        escalation_id: str | None = None,
    ) -> list[WebhookDelivery]:
        """A delivery for every endpoint of the tenant subscribed to ``event_type``."""
        targets = [e for e in await self.endpoints(tenant_id) if subscribed(e, event_type)]
        if not targets:
            return []
        now = utcnow()
        body = message_body(event_type, data, at or now)
        created: list[WebhookDelivery] = []
        for endpoint in targets:
            delivery = WebhookDelivery(
                id="msg_" + secrets.token_urlsafe(16),
                tenant_id=tenant_id,
                endpoint_id=endpoint.id,
                event_type=event_type,
                body=body,
                escalation_id=escalation_id,
                next_attempt_at=now,
                created_at=now,
            )
            await self.store.save_delivery(delivery)
            created.append(delivery)
        if created:
            self.wake()
        return created

    def wake(self) -> None:
        """Look for due deliveries now rather than at the next poll."""
        self._wake.set()

    async def run_once(self) -> int:
        """Send every delivery due now; how many were attempted."""
        now = utcnow()
        lease = now + timedelta(seconds=self.config.webhook_lease_s)
        due = await self.store.claim_due_deliveries(now, lease, CLAIM_BATCH)
        await asyncio.gather(*(self._attempt(d) for d in due))
        return len(due)

    async def prune(self) -> int:
        """Drop finished deliveries older than the log's retention."""
        before = utcnow() - timedelta(days=self.config.webhook_log_days)
        return await self.store.prune_deliveries(before)

    async def run(self) -> None:
        next_prune = 0.0
        failures = OutageLog(log, "webhook worker pass")
        while True:
            try:
                while await self.run_once() == CLAIM_BATCH:
                    pass
                if time.monotonic() >= next_prune:
                    next_prune = time.monotonic() + PRUNE_EVERY_S
                    await self.prune()
                failures.passed()
            except Exception as exc:
                failures.failed(exc)
            with contextlib.suppress(TimeoutError):
                await asyncio.wait_for(self._wake.wait(), self.config.webhook_poll_s)
            self._wake.clear()

    async def _attempt(self, delivery: WebhookDelivery) -> None:
        endpoint = await self.store.get_webhook(delivery.endpoint_id)
        started = utcnow()
        status: int | None = None
        error: str | None = None
        clock = time.perf_counter()
        if endpoint is None:
            error = "the endpoint was deleted"
        else:
            status, error = await self._post(endpoint, delivery)
        attempt = DeliveryAttempt(
            at=started,
            status_code=status,
            error=error,
            duration_ms=round((time.perf_counter() - clock) * 1000),
        )
        attempts = [*delivery.attempts, attempt]
        ok = status is not None and 200 <= status < 300
        if ok:
            update: dict[str, Any] = {"status": "delivered", "next_attempt_at": None}
        elif (
            endpoint is None
            or (error or "").startswith(REFUSED)  # the policy will not change its mind
            or len(attempts) >= self.config.webhook_max_attempts
        ):
            update = {"status": "failed", "next_attempt_at": None}
        else:
            delay = backoff_s(self.config, len(attempts))
            update = {"next_attempt_at": utcnow() + timedelta(seconds=delay)}
        await self.store.save_delivery(delivery.model_copy(update={**update, "attempts": attempts}))

    async def _post(
        self, endpoint: WebhookEndpoint, delivery: WebhookDelivery
    ) -> tuple[int | None, str | None]:
        timestamp = int(time.time())
        headers = webhook_signing.headers(endpoint.secret, delivery.id, timestamp, delivery.body)
        try:
            self.outbound.check_request(endpoint.url)
            async with self.http.post(
                endpoint.url, data=delivery.body.encode(), headers=headers, allow_redirects=False
            ) as response:
                await response.read()
                if 200 <= response.status < 300:
                    return response.status, None
                return response.status, f"HTTP {response.status}"
        except (aiohttp.ClientError, TimeoutError, ValueError, OSError) as exc:
            refused = refusal_of(exc)
            if refused is not None:
                log.warning(
                    "webhook %s to %s refused: %s", delivery.id, endpoint.id, refused.reason
                )
                return None, f"{REFUSED}{refused.reason}"[:MAX_ERROR_CHARS]
            return None, f"{type(exc).__name__}: {exc}"[:MAX_ERROR_CHARS]

    @property
    def http(self) -> aiohttp.ClientSession:
        if self._http is None:
            timeout = aiohttp.ClientTimeout(total=self.config.webhook_timeout_s)
            self._http = self.outbound.session(timeout=timeout)
        return self._http

    async def close(self) -> None:
        if self._http is not None:
            await self._http.close()


WEBHOOKS = web.AppKey("webhooks", WebhookDispatcher)


def escalation_observer(app: web.Application) -> EscalationObserver:
    """Subscribed to ``app[ESCALATION_EVENTS]``: each appended event becomes a message
    ``escalation.<type>`` with the escalation as it is after the change."""

    async def observe(escalation: Escalation, events: Sequence[EscalationEvent]) -> None:
        dispatcher = app[WEBHOOKS]
        if not await dispatcher.endpoints(escalation.tenant_id):
            return  # most tenants have none: skip building the messages
        view = escalation.public()
        for event in events:
            await dispatcher.publish(
                escalation.tenant_id,
                EVENT_PREFIX + event.type,
                {"escalation": view, "event": event.public()},
                event.at,
                escalation_id=escalation.id,
            )

    return observe


async def webhooks_ctx(app: web.Application) -> AsyncIterator[None]:
    dispatcher = WebhookDispatcher(app[STORE], app[CONFIG])
    app[WEBHOOKS] = dispatcher
    worker = asyncio.create_task(dispatcher.run(), name="webhook-worker")
    yield
    await cancel_and_wait(worker)
    await dispatcher.close()
