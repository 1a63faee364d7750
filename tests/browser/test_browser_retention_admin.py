"""/admin → Retention in real Chromium: periods saved and audited, a bad one named by
its field, and a purge run from the page shows what it removed."""

from __future__ import annotations

from datetime import timedelta
from typing import Any

import pytest

from server.platform.keys import STORE
from server.retention.purge import PURGER
from store.audit_models import AuditFilter
from store.models import utcnow
from tests.browser.test_browser_privacy_admin import admin_page
from tests.support.browser_helpers import shoot
from tests.support.harness import RunningServer
from tests.support.retention_helpers import seed

pytestmark = pytest.mark.browser


async def test_admin_sets_a_retention_period_and_purges_now(
    server: RunningServer, browser: Any
) -> None:
    await seed(server)
    context, page = await admin_page(browser, server)
    try:
        await page.get_by_role("tab", name="Retention").click()
        card = page.get_by_role("region", name="Retention")
        recordings = card.get_by_label("Call recordings (days)")
        assert await recordings.input_value() == "90"
        await page.get_by_text("No purge has run yet.").wait_for()
        # a consent period shorter than what it covers: the server says why, nothing saved
        await card.get_by_label("Consent records (days)").fill("10")
        await card.get_by_role("button", name="Save").click()
        await card.get_by_text("consents_days must be at least 365").wait_for()
        assert await server.app[STORE].get_setting("demo", "retention") is None
        await card.get_by_label("Consent records (days)").fill("1825")
        await recordings.fill("30")
        await card.get_by_role("button", name="Save").click()
        await card.get_by_text("Saved.").wait_for()
        saved = await server.app[STORE].get_setting("demo", "retention")
        assert saved is not None and saved["call_recordings_days"] == 30
        [event] = await server.app[STORE].query_audit(
            "demo", AuditFilter(action="retention.updated")
        )
        assert event.actor_name == "Admin"
        assert event.changes == {"call_recordings_days": {"from": 90, "to": 30}}

        server.app[PURGER].clock = lambda: utcnow() + timedelta(days=31)
        purge = page.get_by_role("region", name="Purge")
        await purge.get_by_role("button", name="Purge now").click()
        await purge.get_by_text("asked by an admin").wait_for()
        row = purge.get_by_role("row", name="Call recordings")
        assert await row.get_by_role("cell").nth(1).inner_text() == "1"
        await shoot(page, "admin-retention")
    finally:
        await context.close()
