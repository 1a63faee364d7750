"""Co-browsing in real Chromium: a customer page and the agent's viewer side by side."""

from __future__ import annotations

import asyncio
import base64
import json
import re
import time
from collections.abc import AsyncIterator
from dataclasses import dataclass
from typing import Any

import aiohttp
import pytest

from server.platform.keys import STORE
from store.models import Session, utcnow
from tests.support.api import customer_token, login, open_session
from tests.support.browser_helpers import add_call_recording
from tests.support.cobrowse_peer import CobrowsePeer
from tests.support.harness import RunningServer
from tests.support.paths import ARTIFACTS_DIR

ARTIFACTS = ARTIFACTS_DIR
CARD = "4539 1488 0343 6467"
# Past the first six digits (which PCI DSS allows to show) no group may appear.
CARD_DIGITS = re.compile(r"1488|0343|6467")


def strings(value: Any) -> list[str]:
    """Every string inside a decoded JSON value (timestamps are numbers, not text)."""
    if isinstance(value, str):
        return [value]
    if isinstance(value, list):
        return [s for v in value for s in strings(v)]
    if isinstance(value, dict):
        return [s for v in value.values() for s in strings(v)]
    return []


pytestmark = pytest.mark.browser


@dataclass
class Pair:
    server: RunningServer
    http: aiohttp.ClientSession
    session: Session
    customer: Any  # playwright Page
    agent_context: Any
    customer_token: str

    async def open_viewer(self) -> Any:
        token = await login(self.http, self.server)
        page = await self.agent_context.new_page()
        await page.goto(
            f"{self.server.url}/cobrowse/viewer?session_id={self.session.id}&lang=en#token={token}"
        )
        await page.wait_for_selector("body[data-viewer=live]")
        return page


@pytest.fixture
async def pair(server: RunningServer, browser: Any) -> AsyncIterator[Pair]:
    customer_ctx = await browser.new_context(locale="en", viewport={"width": 900, "height": 700})
    agent_ctx = await browser.new_context(locale="en", viewport={"width": 1280, "height": 900})
    async with aiohttp.ClientSession() as http:
        session = await open_session(server)
        token = await customer_token(http, server, session)
        customer = await customer_ctx.new_page()
        await customer.goto(f"{server.url}/cobrowse/demo-customer?lang=en#token={token}")
        await customer.wait_for_selector("body[data-cobrowse=sharing]")
        try:
            yield Pair(server, http, session, customer, agent_ctx, token)
        finally:
            await customer_ctx.close()
            await agent_ctx.close()


def replay(page: Any) -> Any:
    return page.frame_locator(".cv-frame iframe")


async def shot(page: Any, name: str) -> None:
    ARTIFACTS.mkdir(exist_ok=True)
    await page.screenshot(path=str(ARTIFACTS / f"cobrowse-{name}.png"))


async def test_agent_sees_unmasked_typing_within_a_second_and_masks_elsewhere(pair: Pair) -> None:
    agent = await pair.open_viewer()
    assert await agent.get_attribute(".cv-frame iframe", "sandbox") == "allow-same-origin"
    await pair.customer.get_by_label("Search products").fill("blue shoes")
    started = time.monotonic()
    await replay(agent).locator("input[name=q]").wait_for()
    await agent.wait_for_function(
        """() => document.querySelector('.cv-frame iframe').contentDocument
              .querySelector('input[name=q]').value === 'blue shoes'""",
        timeout=1_000,
    )
    assert time.monotonic() - started < 1.0

    await pair.customer.get_by_label("Card number").press_sequentially("4111 2222")
    await pair.customer.get_by_label("Private note").fill("s3cret")
    await agent.wait_for_function(
        """() => {
          const doc = document.querySelector('.cv-frame iframe').contentDocument;
          return doc.querySelector('input[name=card]').value === '*********'
            && doc.querySelector('input[name=pin]').value === '******';
        }"""
    )
    doc = replay(agent)
    secret = await doc.locator(".cb-secret").inner_text()
    assert "Ana" not in secret and set(secret.replace(" ", "")) <= {"*", "·", ","}
    assert await doc.locator(".cb-blocked").inner_text() == ""
    await shot(pair.customer, "customer")
    await shot(agent, "agent")


async def test_card_number_never_reaches_the_agent_page_or_the_relay(pair: Pair) -> None:
    observer_token = await login(pair.http, pair.server, "sofia@demo.coview")
    relay = await CobrowsePeer.connect(pair.http, pair.server.url, observer_token, pair.session.id)
    agent = await pair.open_viewer()
    # Typed into the masked card field (browser masks) and into the unmasked search
    # field (the server's Luhn check masks it).
    await pair.customer.get_by_label("Card number").press_sequentially(CARD)
    await pair.customer.get_by_label("Search products").press_sequentially(CARD)
    await agent.wait_for_function(
        """() => document.querySelector('.cv-frame iframe').contentDocument
              .querySelector('input[name=q]').value === '**** **** **** ****'"""
    )
    html = await agent.evaluate(
        "() => document.querySelector('.cv-frame iframe').contentDocument.documentElement.outerHTML"
    )
    assert not CARD_DIGITS.search(html) and "4539" not in html
    await relay.send({"t": "pointer", "x": 0, "y": 0})  # any reply ends the frames in flight
    await relay.next("error")
    relayed = [json.loads(payload) for header, payload in relay.seen if payload]
    seen = strings(relayed)
    assert any("**** ****" in s for s in seen)  # the typing went through the relay, masked
    assert not CARD_DIGITS.search(" ".join(seen))
    checkpoint = await pair.server.app[STORE].cobrowse_checkpoint(pair.session.id)
    assert checkpoint is not None
    assert not CARD_DIGITS.search(" ".join(strings(json.loads(checkpoint.payload()))))
    await relay.close()


async def test_agent_sees_where_the_customer_moves_the_mouse(pair: Pair) -> None:
    agent = await pair.open_viewer()
    await pair.customer.mouse.move(300, 250)
    await asyncio.sleep(0.1)  # rrweb samples mouse moves every 50 ms (leading edge)
    await pair.customer.mouse.move(320, 260)
    await agent.wait_for_function("() => document.querySelector('.cv-cursor').dataset.x === '320'")
    assert await agent.locator(".cv-cursor").get_attribute("data-y") == "260"


async def test_agent_pointer_shows_on_the_customer_page(pair: Pair) -> None:
    agent = await pair.open_viewer()
    box = await agent.locator(".cv-glass").bounding_box()
    await agent.mouse.move(box["x"] + 100, box["y"] + 80)
    await agent.mouse.move(box["x"] + 120, box["y"] + 90)
    pointer = pair.customer.get_by_role("img", name="Ana Souza")
    await pointer.wait_for()
    await shot(pair.customer, "pointer")


async def test_remote_control_needs_consent_and_stops_on_escape(pair: Pair) -> None:
    agent = await pair.open_viewer()
    await agent.get_by_role("button", name="Request control").click()
    await agent.get_by_text("Waiting for the customer to accept").wait_for()
    dialog = pair.customer.get_by_role("alertdialog")
    await dialog.get_by_text("Ana Souza asks to control this page").wait_for()
    await shot(pair.customer, "consent")
    await dialog.get_by_role("button", name="Allow").click()
    await agent.get_by_text("You are in control").wait_for()
    await pair.customer.get_by_text("Ana Souza is controlling this page").wait_for()

    button = await replay(agent).locator("#add").bounding_box()
    await agent.mouse.click(button["x"] + button["width"] / 2, button["y"] + button["height"] / 2)
    await pair.customer.get_by_text("Added to cart (1)").wait_for()

    search = await replay(agent).locator("input[name=q]").bounding_box()
    await agent.mouse.click(search["x"] + 10, search["y"] + search["height"] / 2)
    await agent.keyboard.type("red")
    await pair.customer.wait_for_function(
        "() => document.querySelector('input[name=q]').value === 'red'"
    )

    card = await replay(agent).locator("input[name=card]").bounding_box()
    await agent.mouse.click(card["x"] + 10, card["y"] + card["height"] / 2)
    await agent.keyboard.type("4111")
    await agent.mouse.move(card["x"] + 30, card["y"] + 30)  # ordered after the typing
    await pair.customer.get_by_role("img", name="Ana Souza").wait_for()
    await asyncio.sleep(0.2)
    assert await pair.customer.get_by_label("Card number").input_value() == ""

    await pair.customer.keyboard.press("Escape")
    await agent.get_by_text("The customer stopped remote control").wait_for()
    await agent.mouse.click(button["x"] + button["width"] / 2, button["y"] + button["height"] / 2)
    # Frames on one socket stay in order: once the pointer that follows the click shows,
    # a relayed click would already have landed.
    await agent.mouse.move(button["x"] + 40, button["y"] + 40)
    await pair.customer.get_by_role("img", name="Ana Souza").wait_for()
    await asyncio.sleep(0.2)
    assert await pair.customer.locator("#cart").inner_text() == "Added to cart (1)"


async def test_late_joiner_sees_the_current_page_after_navigation(pair: Pair) -> None:
    await pair.customer.get_by_role("link", name="→ 2").click()
    await pair.customer.wait_for_url(re.compile(r"page=2"))
    await pair.customer.wait_for_selector("body[data-cobrowse=sharing]")
    await pair.customer.get_by_label("Search products").fill("late")
    await asyncio.sleep(0.2)  # the batch is sent within 50 ms
    agent = await pair.open_viewer()
    await replay(agent).get_by_role("heading", name="Co-browse test page · 2").wait_for()
    assert await replay(agent).locator("input[name=q]").input_value() == "late"


async def test_supervisor_replays_a_consented_recording(
    server: RunningServer, browser: Any
) -> None:
    context = await browser.new_context(locale="en", viewport={"width": 1100, "height": 800})
    async with aiohttp.ClientSession() as http:
        session = await open_session(server)
        token = await customer_token(http, server, session)
        try:
            customer = await context.new_page()
            started = utcnow()
            await customer.goto(f"{server.url}/cobrowse/demo-customer?record=1#token={token}")
            await customer.wait_for_selector("body[data-cobrowse=sharing]")
            await customer.get_by_label("Search products").press_sequentially("recorded words")
            await customer.get_by_label("Card number").press_sequentially(CARD)
            await asyncio.sleep(0.3)  # the last batch leaves within 50 ms
            await customer.close()
            add_call_recording(server, session.id, started)

            sofia = await login(http, server, "sofia@demo.coview")
            page = await context.new_page()
            await page.goto(f"{server.url}/cobrowse/replay/{session.id}?lang=en#token={sofia}")
            await page.wait_for_selector("body[data-replay=ready]")
            await page.get_by_text("Call recording · customer").wait_for()
            await page.get_by_role("combobox", name="Speed").select_option("8")
            await page.get_by_role("button", name="Play").click()
            frame = page.frame_locator(".cv-replay-frame iframe")
            await frame.get_by_role("heading", name="Co-browse test page").wait_for()
            await page.wait_for_function(
                """() => document.querySelector('.cv-replay-frame iframe').contentDocument
                      .querySelector('input[name=q]').value === 'recorded words'"""
            )
            assert float(await page.get_by_role("slider", name="Timeline").input_value()) > 0
            # The call's video plays alongside, on the replay's clock: seeking moves it
            # by as much, and it plays and pauses with the replay, at its speed.
            await page.evaluate("() => window.coviewReplay.pause()")
            video = "document.querySelector('.cv-replay-videos video')"
            slider = page.get_by_role("slider", name="Timeline")
            total = int(await slider.get_attribute("max") or 0)
            first_event_ms = await page.evaluate(
                "() => window.coviewReplay.replayer.getMetaData().startTime"
            )
            for at in (total // 4, total * 3 // 4):
                await slider.fill(str(at))
                expected = (first_event_ms + at) / 1000 - started.timestamp()
                shown = await page.evaluate(f"() => {video}.currentTime")
                assert abs(shown - expected) < 0.1, (at, shown, expected)
            await page.get_by_role("button", name="Play").click()
            await page.wait_for_function(f"() => !{video}.paused && {video}.playbackRate === 8")
            html = await page.evaluate(
                "() => document.querySelector('.cv-replay-frame iframe')"
                ".contentDocument.documentElement.outerHTML"
            )
            assert not CARD_DIGITS.search(html) and "4539" not in html
            await shot(page, "replay")
        finally:
            await context.close()


async def test_same_origin_iframe_shadow_dom_and_canvas_reach_the_agent(
    server: RunningServer, browser: Any
) -> None:
    context = await browser.new_context(locale="en", viewport={"width": 1000, "height": 800})
    async with aiohttp.ClientSession() as http:
        session = await open_session(server)
        token = await customer_token(http, server, session)
        try:
            customer = await context.new_page()
            await customer.goto(f"{server.url}/cobrowse/demo-customer?edge=1#token={token}")
            await customer.wait_for_selector("body[data-cobrowse=sharing]")
            pair = Pair(server, http, session, customer, context, token)
            agent = await pair.open_viewer()
            page = replay(agent)
            await (
                page.frame_locator("iframe#frame")
                .get_by_text("Inside the same-origin frame")
                .wait_for()
            )
            await page.get_by_text("Inside the shadow root").wait_for()
            await agent.wait_for_function(
                """() => {
                  const doc = document.querySelector('.cv-frame iframe').contentDocument;
                  const canvas = doc.querySelector('canvas#canvas');
                  if (!canvas) return false;
                  const pixel = canvas.getContext('2d').getImageData(10, 10, 1, 1).data;
                  return pixel[0] > 150 && pixel[1] < 80;
                }""",
                timeout=10_000,
            )
            # Shown at its size with its pixels (a sandboxed frame without scripts
            # would lay a bare canvas out 0x0): what the agent's screen shows there.
            shown = page.locator("canvas#canvas img")  # its fallback content: what renders
            await shown.scroll_into_view_if_needed()
            await agent.wait_for_function(
                """() => {
                  const doc = document.querySelector('.cv-frame iframe').contentDocument;
                  const r = doc.querySelector('canvas#canvas img').getBoundingClientRect();
                  return r.width >= 100 && r.height >= 50;
                }""",
                timeout=10_000,
            )
            png = await shown.screenshot()
            red = await agent.evaluate(
                """async (b64) => {
                  const img = new Image();
                  img.src = 'data:image/png;base64,' + b64;
                  await img.decode();
                  const c = new OffscreenCanvas(img.width, img.height);
                  const ctx = c.getContext('2d');
                  ctx.drawImage(img, 0, 0);
                  const d = ctx.getImageData(0, 0, img.width, img.height).data;
                  let red = 0;
                  for (let i = 0; i < d.length; i += 4) if (d[i] > 150 && d[i + 1] < 80) red++;
                  return red / (d.length / 4);
                }""",
                base64.b64encode(png).decode(),
            )
            assert red > 0.05, f"the canvas shows no red on the agent's screen ({red:.1%})"
            await shot(agent, "edge-cases")
        finally:
            await context.close()


async def test_page_of_over_five_thousand_nodes_is_shared(
    server: RunningServer, browser: Any
) -> None:
    context = await browser.new_context(locale="en")
    async with aiohttp.ClientSession() as http:
        session = await open_session(server)
        token = await customer_token(http, server, session)
        try:
            customer = await context.new_page()
            await customer.goto(f"{server.url}/cobrowse/demo-customer?big=1#token={token}")
            await customer.wait_for_selector("body[data-cobrowse=sharing]")
            nodes = await customer.evaluate("() => document.querySelectorAll('*').length")
            assert nodes > 5_000
            agent = await Pair(server, http, session, customer, context, token).open_viewer()
            await replay(agent).get_by_text("Row 5999", exact=True).wait_for()
            await customer.get_by_label("Search products").fill("still live")
            await agent.wait_for_function(
                """() => document.querySelector('.cv-frame iframe').contentDocument
                      .querySelector('input[name=q]').value === 'still live'"""
            )
        finally:
            await context.close()


async def test_customer_sees_a_clear_message_when_the_recorder_cannot_run(
    server: RunningServer, browser: Any
) -> None:
    context = await browser.new_context(locale="es")
    try:
        await context.add_init_script("window.__coviewNoRecorder = true")
        customer = await context.new_page()
        await customer.goto(f"{server.url}/cobrowse/demo-customer?lang=es#token=x.y.z")
        alert = customer.get_by_role("alert")
        await alert.get_by_text("Tu navegador no puede compartir esta página").wait_for()
        assert await customer.evaluate("document.body.dataset.cobrowse") == "unsupported"
    finally:
        await context.close()


async def test_highlight_drawing_and_guide_show_on_the_customer_page(pair: Pair) -> None:
    agent = await pair.open_viewer()
    button = await replay(agent).locator("#add").bounding_box()
    await agent.get_by_role("button", name="Highlight").click()
    await agent.mouse.click(button["x"] + 5, button["y"] + 5)
    await pair.customer.get_by_test_id("coview-highlight").wait_for()

    await agent.get_by_role("button", name="Draw").click()
    glass = await agent.locator(".cv-glass").bounding_box()
    await agent.mouse.move(glass["x"] + 50, glass["y"] + 50)
    await agent.mouse.down()
    for step in range(10):
        await agent.mouse.move(glass["x"] + 60 + step * 15, glass["y"] + 60 + step * 5)
    await agent.mouse.up()
    await pair.customer.locator("coview-cobrowse-overlay polyline").first.wait_for(state="attached")
    await shot(pair.customer, "tools")

    bottom = await replay(agent).locator("#bottom").bounding_box()
    assert bottom is not None
    await agent.get_by_role("button", name="Guide to").click()
    # The last visible filler row, to guide the customer further down the page.
    row = replay(agent).get_by_text("Item 3", exact=True)
    await row.scroll_into_view_if_needed()  # the view fills its width and scrolls
    box = await row.bounding_box()
    await agent.mouse.click(box["x"] + 5, box["y"] + 5)
    await pair.customer.wait_for_function("() => window.scrollY > 0")


async def test_agent_follows_the_customer_to_the_next_page(pair: Pair) -> None:
    agent = await pair.open_viewer()
    await pair.customer.get_by_role("link", name="→ 2").click()
    await replay(agent).get_by_role("heading", name="Co-browse test page · 2").wait_for()
    await pair.customer.mouse.wheel(0, 400)
    await agent.wait_for_function(
        "() => document.querySelector('.cv-frame iframe').contentWindow.scrollY > 100"
    )


# Whether the agent's pointer on the customer's page is over the element `sel`.
POINTER_OVER = """(sel) => {
  const p = document.querySelector('coview-cobrowse-overlay').shadowRoot.querySelector('.pointer');
  if (!p) return false;
  const r = p.getBoundingClientRect(), b = document.querySelector(sel).getBoundingClientRect();
  const x = r.left + r.width / 2, y = r.top + r.height / 2;
  return x > b.left && x < b.right && y > b.top && y < b.bottom;
}"""


async def test_zoom_keeps_pointer_and_highlight_on_the_element(pair: Pair) -> None:
    agent = await pair.open_viewer()
    await agent.set_viewport_size({"width": 800, "height": 700})  # fit is below 100 % here
    view = replay(agent)
    await pair.customer.locator("#add").hover()  # the pointer's region is around it
    await agent.locator(".cv-cursor:not([hidden])").wait_for()

    async def point_at(selector: str) -> None:
        target = view.locator(selector)
        await target.scroll_into_view_if_needed()  # the view scrolls when zoomed
        box = await target.bounding_box()
        await agent.wait_for_timeout(45)  # the viewer sends at most one pointer per 40 ms
        await agent.mouse.move(box["x"] + box["width"] / 2, box["y"] + box["height"] / 2)
        await pair.customer.wait_for_function(POINTER_OVER, arg=selector)

    scales = {}
    steps = (("Fit", "input[name=q]"), ("100 %", "#add"), ("Pointer's region", "input[name=q]"))
    for zoom, selector in steps:
        await agent.get_by_role("button", name=zoom).click()
        assert await agent.get_by_role("button", name=zoom).get_attribute("aria-pressed") == "true"
        scales[zoom] = await agent.evaluate(
            "() => document.querySelector('.cv-canvas').getBoundingClientRect().width"
            " / document.querySelector('.cv-frame iframe').offsetWidth"
        )
        await point_at(selector)
    assert scales["Fit"] < 0.99 < scales["100 %"] < 1.01 < scales["Pointer's region"], scales

    # A highlight at this zoom lands on the element, on both sides.
    await agent.get_by_role("button", name="Highlight").click()
    await view.locator("#add").scroll_into_view_if_needed()
    add = await view.locator("#add").bounding_box()
    await agent.mouse.click(add["x"] + add["width"] / 2, add["y"] + add["height"] / 2)
    mark = await agent.locator(".cv-mark").bounding_box()
    assert abs(mark["x"] + 3 - add["x"]) <= 2 and abs(mark["width"] - 6 - add["width"]) <= 2
    shown = await pair.customer.get_by_test_id("coview-highlight").bounding_box()
    button = await pair.customer.locator("#add").bounding_box()
    assert abs(shown["x"] + 4 - button["x"]) <= 2 and abs(shown["y"] + 4 - button["y"]) <= 2
