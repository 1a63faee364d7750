"""An agent guiding a customer through the demo checkout, in real Chromium at 1280x800
(issue #20): an offer reads as pending (not busy, not waiting); the replayed page fills
its pane and, in focus mode, the workspace; the call becomes a movable
picture-in-picture; the widget moves out of the way of what the agent highlights and
shrinks to a bar with the agent's video, on a phone too. Spanish and Portuguese here,
English in test_browser_cobrowse.py (the zoom)."""

from __future__ import annotations

from typing import Any

import pytest

from tests.browser.test_browser_escalation_flow import agent_console
from tests.support.browser_helpers import new_page, widget
from tests.support.harness import RunningServer

pytestmark = pytest.mark.browser

SCREEN = {"width": 1280, "height": 800}

# The active workspace's co-browse view: the pane, what is drawn in it, the page's size.
VIEW = """() => {
  const slot = document.querySelector('[role=tabpanel]:not([hidden]) [data-slot=cobrowse]');
  const canvas = slot && slot.querySelector('.cv-canvas');
  const frame = slot && slot.querySelector('.cv-frame iframe');
  if (!canvas || !frame) return null;
  const drawn = canvas.getBoundingClientRect();
  return { pane: slot.clientWidth, drawn: drawn.width, drawnHeight: drawn.height,
           viewHeight: slot.querySelector('.cv-view').clientHeight, page: frame.offsetWidth,
           scale: drawn.width / frame.offsetWidth };
}"""


async def view_of(page: Any) -> dict[str, float]:
    handle = await page.wait_for_function(
        f"() => {{ const v = ({VIEW})(); return v && v.page > 0 && v.drawn > 0 && v; }}"
    )
    result: dict[str, float] = await handle.json_value()
    return result


def overlap(a: dict[str, float], b: dict[str, float]) -> bool:
    return (
        a["x"] < b["x"] + b["width"]
        and b["x"] < a["x"] + a["width"]
        and a["y"] < b["y"] + b["height"]
        and b["y"] < a["y"] + a["height"]
    )


async def test_offer_pending_page_filling_its_pane_and_focus_mode_es(
    server: RunningServer, browser: Any
) -> None:
    async with (
        new_page(browser, locale="es", viewport=SCREEN) as agent,
        new_page(browser, locale="es", viewport=SCREEN) as customer,
    ):
        await agent_console(agent, server, "es")
        await customer.goto(f"{server.url}/demo/checkout?lang=es")
        shop = widget(customer)
        await shop.get_by_role("button", name="Ayuda por vídeo").click()
        await shop.get_by_role("button", name="Mostrar mi pantalla al agente").click()
        await shop.get_by_role("alertdialog").get_by_role("button", name="Permitir").click()

        # On offer: pending, neither busy nor waiting in the queue.
        offer = agent.locator(".offer").first
        await offer.wait_for()
        pill = agent.locator(".pill[data-presence='offer_pending']")
        await pill.filter(has_text="Oferta pendiente").wait_for()
        queue = agent.locator(".queue-box")
        await queue.get_by_text("1 en oferta").wait_for()
        assert "No hay nadie esperando" in await queue.inner_text()
        assert await agent.locator(".cap.full").count() == 0
        assert await agent.get_by_label("Estado").input_value() == "available"

        await offer.get_by_role("button", name="Aceptar").click()
        workspace = agent.get_by_role("tabpanel")
        replay = workspace.locator("[data-slot='cobrowse']").frame_locator("iframe")
        await replay.get_by_role("heading", name="Resumen del pedido").wait_for()
        await pill.wait_for(state="hidden")

        # The 1280-px page fills the pane's width, and the view is only as tall as it.
        view = await view_of(agent)
        assert view["page"] == 1280
        assert view["drawn"] >= view["pane"] - 16, view
        assert abs(view["viewHeight"] - view["drawnHeight"]) <= 1, view

        # Focus mode by keyboard: the page gets the workspace, at 0.7 of its size or more.
        await agent.keyboard.press("Alt+Shift+F")
        await agent.locator(".app.focus").wait_for()
        await agent.wait_for_function(f"() => ({VIEW})().scale >= 0.7")
        assert await agent.locator(".side").get_by_text("Cola").is_hidden()
        assert await workspace.get_by_role("complementary").is_hidden()
        await agent.get_by_role("button", name="Mostrar contexto").click()
        await workspace.get_by_role("complementary").wait_for()
        focused = await view_of(agent)
        assert focused["drawn"] >= focused["pane"] - 16, focused
        assert (
            await agent.get_by_role("button", name="Salir del modo enfoque").get_attribute(
                "aria-pressed"
            )
            == "true"
        )
        await agent.reload()  # remembered for this agent
        await agent.locator(".app.focus").wait_for(state="attached")


async def test_widget_clears_the_way_shrinks_to_the_agents_video_and_pip_call_pt(
    server: RunningServer, browser: Any
) -> None:
    async with (
        new_page(browser, locale="pt", viewport=SCREEN) as agent,
        new_page(browser, locale="pt", viewport=SCREEN) as customer,
    ):
        await agent_console(agent, server, "pt")
        await customer.goto(f"{server.url}/demo/checkout?lang=pt")
        shop = widget(customer)
        await shop.get_by_role("button", name="Ajuda por vídeo").click()
        await shop.get_by_role("button", name="Videochamada").click()
        await shop.get_by_role("alertdialog").get_by_role("button", name="Permitir").click()
        await agent.locator(".offer").first.get_by_role("button", name="Aceitar").click()
        workspace = agent.get_by_role("tabpanel")
        await workspace.get_by_role("button", name="+ Co-navegação").click()
        await shop.get_by_role("alertdialog").get_by_role("button", name="Permitir").click()
        replay = workspace.locator("[data-slot='cobrowse']").frame_locator("iframe")
        heading = replay.get_by_role("heading", name="Resumo do pedido")
        await heading.wait_for()
        await shop.locator(".slot.call video.cv-remote").wait_for()

        # The open panel covers the order summary; the agent highlights it: it moves.
        summary = await customer.get_by_role("heading", name="Resumo do pedido").bounding_box()
        panel = shop.locator(".panel")
        assert overlap(await panel.bounding_box(), summary)
        await workspace.get_by_role("button", name="Destacar").click()
        box = await heading.bounding_box()
        await agent.mouse.click(box["x"] + 5, box["y"] + 5)
        await customer.get_by_test_id("coview-highlight").wait_for()
        await customer.wait_for_function(
            "() => document.querySelector('coview-widget').style.left === '0px'"
        )
        assert not overlap(await panel.bounding_box(), summary)

        # The compact bar: the agent's video only, kept for the session.
        await shop.get_by_role("button", name="Vista compacta").click()
        await shop.locator(".panel.compact").wait_for()
        bar = await panel.bounding_box()
        assert bar["width"] <= 260
        remote = await shop.locator(".slot.call video.cv-remote").bounding_box()
        assert remote is not None and remote["width"] > 200
        assert await shop.locator(".slot.call .cv-controls").is_hidden()
        saved = await customer.evaluate("sessionStorage.getItem('coview-layout:demo-site-key')")
        assert '"compact":true' in saved

        # On a phone the panel is still a sheet across the bottom, or the top if moved there.
        await customer.set_viewport_size({"width": 390, "height": 844})
        await shop.get_by_role("button", name="Vista completa").click()
        await shop.locator(".panel:not(.compact)").wait_for()
        sheet = await panel.bounding_box()
        assert sheet["x"] == 0 and sheet["width"] == 390
        assert abs(sheet["y"] + sheet["height"] - 844) <= 1, sheet
        await shop.get_by_role("button", name="Mover para outro canto").click()
        await customer.wait_for_function(
            "() => document.querySelector('coview-widget').style.top === '0px'"
        )
        sheet = await panel.bounding_box()
        assert (sheet["x"], sheet["y"], sheet["width"]) == (0, 0, 390), sheet

        # Focus mode in the console: the call is a small picture-in-picture, movable.
        await agent.get_by_role("button", name="Modo foco").click()
        call = workspace.locator("[data-slot='call']")
        await agent.wait_for_function(
            "() => getComputedStyle(document.querySelector('[data-slot=call]')).position"
            " === 'absolute'"
        )
        before = await call.bounding_box()
        assert before["width"] <= 260
        move = call.get_by_role("button", name="Arraste para mover a chamada")
        handle = await move.bounding_box()
        await agent.mouse.move(handle["x"] + 5, handle["y"] + 5)
        await agent.mouse.down()
        await agent.mouse.move(handle["x"] - 300, handle["y"] - 100, steps=4)
        await agent.mouse.up()
        after = await call.bounding_box()
        assert after["x"] < before["x"] - 250 and after["y"] < before["y"] - 50
