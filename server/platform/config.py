"""Configuration from ``COVIEW_*`` environment variables and CLI flags.

Every timeout the product has is here so that tests can shrink it to seconds.
"""

from __future__ import annotations

import os
import secrets
from collections.abc import Mapping
from dataclasses import dataclass, field, fields, replace
from pathlib import Path
from typing import Any, Literal

from store.redis.connection import RedisTarget, parse_sentinels

StoreKind = Literal["sqlite", "redis"]


@dataclass(frozen=True)
class Config:
    host: str = "127.0.0.1"
    port: int = 8080
    public_url: str = ""  # base URL used in join links; derived from host/port when empty
    store: StoreKind = "sqlite"
    redis_url: str = "redis://127.0.0.1:6379/0"
    redis_prefix: str = "coview:"  # every Redis key and channel starts with it
    # Redis Sentinel (store/redis/connection.py): "host:port" of each Sentinel and the
    # name of the master they watch; then redis_url gives only db, user and password.
    redis_sentinels: tuple[str, ...] = ()
    redis_sentinel_master: str = ""
    redis_sentinel_password: str = ""  # the Sentinels' own password, if they have one
    # Connecting, each reply and waiting for a pooled connection each take at most this;
    # while Redis is unreachable requests get 503 with Retry-After within about it.
    redis_timeout_s: float = 2.0
    # With replicas (Sentinel): an escalation write is acknowledged only once this many
    # replicas have it, or after redis_wait_timeout_ms (then logged): closes the window
    # in which a failover loses acknowledged writes. 0: don't wait.
    redis_wait_replicas: int = 0
    redis_wait_timeout_ms: int = 200
    data_dir: Path = Path("data")
    secret: str = ""  # signs tokens; generated and kept in data_dir when empty (SQLite only)
    log_format: Literal["json", "text"] = "text"
    log_level: str = "INFO"

    max_body_bytes: int = 1_048_576
    access_token_ttl_s: int = 900
    session_token_ttl_s: int = 86_400
    reconnect_window_s: int = 120
    invite_ttl_s: int = 900
    login_rate: str = "10/minute"
    # Reverse proxies whose X-Forwarded-For is believed (IPs or CIDRs), so rate limits
    # and logs see clients rather than the proxy (server/platform/client_ip.py).
    trusted_proxies: tuple[str, ...] = ()
    # Webhooks and the external bot may reach only public addresses; these CIDRs and
    # host names are the exceptions (server/platform/outbound.py), e.g. "10.1.0.0/16,bot.internal".
    outbound_allow: tuple[str, ...] = ()
    join_rate: str = "20/minute"
    # wrong 6-digit codes (server/platform/auth/join_codes.py): per client address, and for the
    # whole deployment (past it, codes pause for everyone; links keep working)
    join_code_client_failures: str = "10/hour"
    join_code_failure_budget: str = "30/10 minutes"
    password_memory_kib: int = 65_536  # argon2 memory cost; tests lower it

    chat_max_text_chars: int = 2_000
    chat_max_attachment_bytes: int = 262_144  # images only, checked by their magic bytes
    conversation_rate: str = "30/minute"

    stun_urls: tuple[str, ...] = ()
    turn_urls: tuple[str, ...] = ()
    turn_secret: str = ""
    turn_ttl_s: int = 3_600
    # Server peer (aiortc): host addresses for its ICE candidates (aioice skips
    # loopback, so a loopback-only box or the tests set e.g. "127.0.0.1"); empty means
    # every non-loopback interface. Demo clips folder; empty means <data_dir>/demo-videos.
    media_host_addresses: tuple[str, ...] = ()
    demo_videos_dir: str = ""

    # escalations (docs/protocol.md): every timeout in seconds, shrunk by tests
    offer_timeout_s: float = 20.0  # an unanswered offer goes to the next agent
    skill_relax_s: float = 60.0  # then required skills are dropped
    queue_timeout_s: float = 600.0  # then a queued escalation expires
    deadline_poll_s: float = 0.25  # how often each node looks for due deadlines
    deadline_lease_s: float = 15.0  # a claimed deadline is retried after this
    agent_cache_s: float = 1.0  # how stale a node's view of agents' presence may be
    sse_poll_s: float = 1.0  # SSE streams re-read the store at least this often
    queue_broadcast_s: float = 0.5  # queue counts go to consoles at most this often
    escalation_rate: str = "30/minute"  # public (site key) creates per client address
    idempotency_ttl_s: int = 86_400
    max_context_bytes: int = 32_768

    # webhooks: retries back off exponentially from webhook_backoff_s up to the cap
    webhook_max_attempts: int = 8
    webhook_backoff_s: float = 5.0
    webhook_backoff_max_s: float = 3_600.0
    webhook_timeout_s: float = 10.0
    webhook_poll_s: float = 1.0  # how often a node looks for due deliveries
    webhook_lease_s: float = 60.0  # a claimed delivery is retried elsewhere after this
    webhook_log_days: int = 14  # finished deliveries stay in the log this long

    # the built-in bot hands over after this many messages it could not understand
    bot_max_failures: int = 2
    bot_rate: str = "60/minute"  # public (site key) bot messages per client address
    # KPIs: an answer within this many seconds counts toward the service level
    service_level_s: int = 20

    seed_demo: bool = True
    demo_password: str = "coview-demo"
    admin_email: str = "admin@demo.coview"
    admin_password: str = "coview-admin"
    demo_api_key: str = "cvk_demo_integration_key_change_me"
    demo_site_key: str = "demo-site-key"

    # co-browse: batch and full-snapshot size limits, when to ask the customer for a
    # fresh full snapshot (bounds the checkpoint kept per session), masking rules
    cobrowse_max_batch_bytes: int = 262_144
    cobrowse_max_snapshot_bytes: int = 8_388_608
    cobrowse_snapshot_every_s: int = 300
    cobrowse_snapshot_every_batches: int = 1_000
    cobrowse_snapshot_every_bytes: int = 16_777_216
    cobrowse_ack_interval_ms: int = 50  # acks are cumulative, at most this often; 0: each
    cobrowse_mask_patterns: tuple[str, ...] = ()  # regexes masked server-side (ids, e-mails)
    cobrowse_mask_selectors: tuple[str, ...] = ()  # CSS selectors the widget masks as well

    # privacy (docs/privacy.md): call and co-browse recordings and snapshots are sealed
    # at rest with the first of these keys (id=base64 of 32 bytes); the others only
    # open older files. Empty: one key generated into the data dir (one node).
    recording_keys: tuple[str, ...] = ()
    encrypt_at_rest: bool = True  # off only to measure what it costs (bench/media.py)
    media_link_ttl_s: int = 300  # signed download and replay links expire after this
    # retention (docs/privacy.md): how often a node tries to run the purge (0: never,
    # only from /admin), and how long its lease holds if that node dies mid-purge
    purge_interval_s: float = 3_600.0
    purge_lease_s: float = 120.0

    extra: Mapping[str, Any] = field(default_factory=dict)

    @property
    def base_url(self) -> str:
        return self.public_url.rstrip("/") or f"http://{self.host}:{self.port}"

    @property
    def demo_videos_path(self) -> Path:
        return Path(self.demo_videos_dir) if self.demo_videos_dir else self.data_dir / "demo-videos"

    def redis_target(self) -> RedisTarget:
        """Where Redis is, for the store, the Socket.IO manager, the co-browse bus and
        the rate limits (one connection factory: ``store/redis/connection.py``)."""
        return RedisTarget(
            url=self.redis_url,
            sentinels=parse_sentinels(self.redis_sentinels),
            sentinel_master=self.redis_sentinel_master,
            sentinel_password=self.redis_sentinel_password,
            timeout_s=self.redis_timeout_s,
            wait_replicas=self.redis_wait_replicas,
            wait_timeout_ms=self.redis_wait_timeout_ms,
        )

    def with_overrides(self, **changes: Any) -> Config:
        return replace(self, **{k: v for k, v in changes.items() if v is not None})

    def resolved_secret(self) -> str:
        """The signing secret; a SQLite deployment keeps a generated one on disk."""
        if self.secret:
            return self.secret
        if self.store == "redis":
            raise ValueError("COVIEW_SECRET must be set when several nodes share Redis")
        path = self.data_dir / "secret.key"
        if path.exists():
            return path.read_text().strip()
        self.data_dir.mkdir(parents=True, exist_ok=True)
        value = secrets.token_urlsafe(48)
        path.write_text(value)
        path.chmod(0o600)
        return value


def _coerce(kind: Any, raw: str) -> Any:
    text = str(kind)
    if kind is int or text == "int":
        return int(raw)
    if kind is float or text == "float":
        return float(raw)
    if kind is bool or text == "bool":
        return raw.strip().lower() in {"1", "true", "yes", "on"}
    if kind is Path or text == "Path":
        return Path(raw)
    if text.startswith("tuple"):
        return tuple(part.strip() for part in raw.split(",") if part.strip())
    return raw


def config_from_env(environ: Mapping[str, str] | None = None) -> Config:
    """Build a Config from ``COVIEW_<FIELD>`` variables, e.g. ``COVIEW_REDIS_URL``."""
    env = os.environ if environ is None else environ
    values: dict[str, Any] = {}
    for f in fields(Config):
        if f.name == "extra":
            continue
        raw = env.get("COVIEW_" + f.name.upper())
        if raw is not None and raw != "":
            values[f.name] = _coerce(f.type, raw)
    config = Config(**values)
    if config.store not in ("sqlite", "redis"):
        raise ValueError(f"COVIEW_STORE must be sqlite or redis, not {config.store!r}")
    if bool(config.redis_sentinels) != bool(config.redis_sentinel_master):
        raise ValueError(
            "COVIEW_REDIS_SENTINELS and COVIEW_REDIS_SENTINEL_MASTER go together: "
            "set both to use Redis Sentinel, or neither"
        )
    return config
