"""The demo organisation: a site for the demo shop, agents, a supervisor, an admin and
an integration API key, with fixed credentials documented in the README."""

from __future__ import annotations

import logging
from dataclasses import dataclass

from escalation.rules.models import demo_rules
from escalation.rules.service import save_rules
from server.platform.auth.authenticator import hash_api_key
from server.platform.auth.identity import new_identity_secret
from server.platform.auth.passwords import Passwords
from server.platform.config import Config
from store.base import Store
from store.models import Agent, ApiKey, Role, Site, Tenant

log = logging.getLogger("coview.seed")

DEMO_TENANT = "demo"
DEMO_SITE = "site_demo"


@dataclass(frozen=True)
class DemoAgent:
    id: str
    email: str
    name: str
    role: Role
    skills: tuple[str, ...]
    languages: tuple[str, ...]


DEMO_AGENTS = (
    DemoAgent(
        "ag_ana", "ana@demo.coview", "Ana Souza", "agent", ("sales", "support"), ("es", "pt", "en")
    ),
    DemoAgent("ag_bruno", "bruno@demo.coview", "Bruno Lima", "agent", ("support",), ("pt", "es")),
    DemoAgent(
        "ag_carla", "carla@demo.coview", "Carla Ruiz", "agent", ("sales", "billing"), ("es", "en")
    ),
    DemoAgent(
        "ag_sofia",
        "sofia@demo.coview",
        "Sofía Martín",
        "supervisor",
        ("support",),
        ("es", "en", "pt"),
    ),
)


def demo_origins(config: Config) -> list[str]:
    origins = {
        config.base_url,
        f"http://127.0.0.1:{config.port}",
        f"http://localhost:{config.port}",
    }
    return sorted(origins)


async def seed_demo_rules(store: Store) -> None:
    """Give the demo organisation its display rules once (kept if an admin changed them)."""
    if await store.get_rules_document(DEMO_TENANT) is None:
        await save_rules(store, DEMO_TENANT, demo_rules())


async def seed_demo(store: Store, config: Config, passwords: Passwords) -> bool:
    """Create the demo organisation once; False when it already exists."""
    if await store.get_tenant(DEMO_TENANT) is not None:
        await verify_demo_identities(store)
        return False
    await store.put_tenant(Tenant(id=DEMO_TENANT, name="Demo Shop"))
    await store.put_site(
        Site(
            id=DEMO_SITE,
            tenant_id=DEMO_TENANT,
            name="Demo shop",
            site_key=config.demo_site_key,
            allowed_origins=demo_origins(config),
            identity_verification=True,  # the shop signs its customers (web/demo.py)
            identity_secret=new_identity_secret(),
        )
    )
    agent_hash = passwords.hash(config.demo_password)
    for demo in DEMO_AGENTS:
        await store.create_agent(
            Agent(
                id=demo.id,
                tenant_id=DEMO_TENANT,
                email=demo.email,
                name=demo.name,
                role=demo.role,
                password_hash=agent_hash,
                skills=list(demo.skills),
                languages=list(demo.languages),
            )
        )
    await store.create_agent(
        Agent(
            id="ag_admin",
            tenant_id=DEMO_TENANT,
            email=config.admin_email,
            name="Admin",
            role="admin",
            password_hash=passwords.hash(config.admin_password),
            languages=["en", "es", "pt"],
        )
    )
    await store.put_api_key(
        ApiKey(
            id="key_demo",
            tenant_id=DEMO_TENANT,
            name="Demo integration",
            key_hash=hash_api_key(config.demo_api_key),
        )
    )
    log.info("seeded the demo organisation")
    return True


async def verify_demo_identities(store: Store) -> None:
    """A demo site seeded before identity verification existed gets a secret and
    requires it, as the demo shop now signs its customers."""
    site = await store.get_site(DEMO_SITE)
    if site is not None and site.identity_secret is None:
        await store.put_site(
            site.model_copy(
                update={"identity_verification": True, "identity_secret": new_identity_secret()}
            )
        )


def credentials_banner(config: Config) -> str:
    lines = [
        f"coview is running at {config.base_url}",
        f"  demo shop:    {config.base_url}/demo/",
        f"  agent console {config.base_url}/console",
        f"  agents:       {', '.join(a.email for a in DEMO_AGENTS if a.role == 'agent')}"
        f"  password {config.demo_password}",
        f"  supervisor:   sofia@demo.coview  password {config.demo_password}",
        f"  admin:        {config.admin_email}  password {config.admin_password}",
        f"  site key:     {config.demo_site_key}",
        f"  API key:      {config.demo_api_key}",
    ]
    return "\n".join(lines)
