"""Consent in real browsers: the widget keeps the customer's camera consent, the call
asks before recording and the customer withdraws mid-call (the recording stops and the
widget says so), and the agent's console shows the session's consent history."""

from __future__ import annotations

from collections.abc import AsyncIterator
from pathlib import Path
from typing import Any

import pytest

from server.platform.keys import STORE
from signaling.keys import SESSION_NS
from tests.browser.test_browser_escalation_flow import agent_console, request_video_help_en
from tests.support.browser_helpers import DESKTOP, PHONE, new_page, shoot, widget
from tests.support.harness import RunningServer, make_config, running_server

pytestmark = pytest.mark.browser

CAMERA_TEXT = (
    "Use your camera and microphone?\n"
    "The agent will see and hear you during the call. You can turn them off at any time."
)


@pytest.fixture
async def media_server(tmp_path: Path) -> AsyncIterator[RunningServer]:
    config = make_config(tmp_path, media_host_addresses=("127.0.0.1",))
    async with running_server(config) as running:
        yield running


async def test_consents_are_kept_withdrawal_stops_recording_and_console_shows_them(
    media_server: RunningServer, browser: Any
) -> None:
    server = media_server
    async with (
        new_page(browser, viewport=DESKTOP) as agent,
        new_page(browser, viewport=PHONE) as customer,
    ):
        await agent_console(agent, server, "en")
        escalation_id = await request_video_help_en(customer, server)
        offer = agent.get_by_role("listitem", name="New request from Anonymous visitor")
        await offer.get_by_role("button", name="Accept").click()
        workspace = agent.get_by_role("tabpanel")
        esc = await server.app[STORE].get_escalation(escalation_id)
        assert esc is not None
        store, session_id = server.app[STORE], esc.session_id
        camera = (await store.list_consents(session_id))[0]
        assert (camera.kind, camera.decision, camera.text, camera.lang) == (
            "camera",
            "granted",
            CAMERA_TEXT,
            "en",
        )

        # The agent asks to record; the customer allows it in the call.
        call = widget(customer).locator("[data-slot='call']")
        await call.locator("video").first.wait_for(state="attached")
        await workspace.get_by_role("button", name="Record").click()
        await call.get_by_role("button", name="Allow recording").click()
        await workspace.get_by_text("Recording, with the customer's consent.").wait_for()
        media = server.app[SESSION_NS].media.get(session_id)
        assert media is not None and media.recording

        # Mid-call, the customer withdraws: the recording stops at once.
        await call.get_by_role("button", name="Stop recording").wait_for()
        await shoot(customer, "consent-recording-phone")
        await call.get_by_role("button", name="Stop recording").click()
        await call.get_by_text("You stopped the recording. Nothing more is recorded.").wait_for()
        await workspace.get_by_text("The customer withdrew consent").wait_for()
        assert not media.recording
        assert await call.get_by_role("button", name="Stop recording").is_hidden()
        records = await store.list_consents(session_id)
        assert [(c.kind, c.decision) for c in records] == [
            ("camera", "granted"),
            ("recording", "granted"),
            ("recording", "withdrawn"),
        ]
        assert records[1].text == "The agent would like to record this call. Do you agree?"
        assert (records[2].text, records[2].lang) == ("Stop recording", "en")
        await shoot(customer, "consent-withdrawn-phone")

        # The console shows the session's consent history, with the text shown.
        history = workspace.locator("details.consents")
        await history.locator("summary").click()
        await history.get_by_text("Camera", exact=True).wait_for()
        assert await history.locator("li").count() == 3
        await history.get_by_text("Call recording", exact=True).first.wait_for()
        await history.locator("li[data-decision='withdrawn']").wait_for()
        await history.get_by_text("Use your camera and microphone?", exact=False).wait_for()
        await history.scroll_into_view_if_needed()
        await shoot(agent, "consent-history-desktop")
