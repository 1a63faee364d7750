"""DOM co-browsing: the ``/ws/cobrowse`` relay, masking, checkpoints, remote control."""

from __future__ import annotations

from collections.abc import AsyncIterator, Awaitable, Callable, Sequence

from aiohttp import web

from cobrowse import api
from cobrowse.bus import END, open_bus
from cobrowse.endpoint import cobrowse_socket
from cobrowse.frames import encode_frame
from cobrowse.hub import Hub
from cobrowse.keys import COBROWSE, MASKER
from cobrowse.masking import Maskers
from escalation.core.keys import ESCALATION_EVENTS
from escalation.core.states import TERMINAL
from server.admin.tenant_settings import TENANT_SETTINGS
from server.platform.keys import CONFIG, READINESS_CHECKS, STORE
from store.escalation_models import Escalation, EscalationEvent

# When the conversation is over, so is looking at the customer's page. Only wrap_up
# leads to completed, and it has ended the page already: no second close and drop.
ENDING_EVENTS = (frozenset(TERMINAL) - {"completed"}) | {"wrap_up", "session_ended"}


async def hub_ctx(app: web.Application) -> AsyncIterator[None]:
    config = app[CONFIG]
    bus = open_bus(config.store, config.redis_target(), config.redis_prefix)
    hub = Hub(bus, config.cobrowse_ack_interval_ms / 1000)
    app[COBROWSE] = hub
    await hub.start()
    app[READINESS_CHECKS].append(lambda: None if bus.ready else "co-browse pub/sub has lost Redis")
    yield
    await hub.stop()


async def drain_sockets(app: web.Application) -> None:
    """Shutting down: every co-browse socket here reconnects to another node."""
    await app[COBROWSE].drain()


def session_end_observer(app: web.Application) -> Callable[..., Awaitable[None]]:
    """Close every co-browse socket of a session that ended, on every node (through
    the bus), and drop its checkpoint: nothing of the page outlives the session."""

    async def observe(esc: Escalation, events: Sequence[EscalationEvent]) -> None:
        ending = next((e.type for e in events if e.type in ENDING_EVENTS), None)
        if ending is None or COBROWSE not in app:
            return
        frame = encode_frame({"t": "end", "reason": ending})
        await app[COBROWSE].bus.publish(esc.session_id, END, frame)
        await app[STORE].cobrowse_drop(esc.session_id)

    return observe


def setup(app: web.Application) -> None:
    settings = app[TENANT_SETTINGS]

    async def tenant_patterns(tenant_id: str) -> list[str]:
        masking = await settings.masking(tenant_id)
        return masking.patterns if masking else []

    app[MASKER] = Maskers(app[CONFIG].cobrowse_mask_patterns, tenant_patterns)
    app[ESCALATION_EVENTS].subscribe(session_end_observer(app))
    app.cleanup_ctx.append(hub_ctx)
    app.on_shutdown.append(drain_sockets)
    app.router.add_get("/ws/cobrowse", cobrowse_socket, name="cobrowse_socket")
    api.setup(app)
