"""The demo shop in real Chromium: its pages, the demo video, masking marks, and the
widget's shell (launcher, modality choice, consent), at desktop and phone sizes."""

from __future__ import annotations

from typing import Any

import aiohttp
import pytest

from media.demo_video import DEMO_NAME, write_demo_video
from tests.support.browser_helpers import (
    DESKTOP,
    PHONE,
    new_page,
    set_presence,
    shoot,
    stub_availability,
    widget,
)
from tests.support.harness import RunningServer

pytestmark = pytest.mark.browser


async def test_demo_pages_render_with_masked_card_fields(server: RunningServer) -> None:
    async with aiohttp.ClientSession() as http:
        async with http.get(f"{server.url}/demo/checkout?lang=es") as r:
            html = await r.text()
            assert r.status == 200
        assert 'name="card"' in html and "data-coview-mask" in html
        assert 'name="coupon" data-coview-unmask' in html
        assert 'data-site-key="demo-site-key"' in html
        assert "Pagar ahora" in html
        for path in ("/demo/", "/demo/premium"):
            async with http.get(server.url + path) as r:
                assert r.status == 200, path
        async with http.get(f"{server.url}/demo", allow_redirects=False) as r:
            assert r.status == 302


async def test_demo_video_is_served_when_generated(server: RunningServer) -> None:
    async with aiohttp.ClientSession() as http:
        url = f"{server.url}/demo/videos/{DEMO_NAME}"
        async with http.get(url) as r:
            assert r.status == 404
            assert "media.demo_video" in (await r.json(content_type=None))["detail"]
        write_demo_video(server.config.data_dir / "demo-videos" / DEMO_NAME, seconds=1)
        async with http.get(url) as r:
            assert r.status == 200
            assert r.headers["Content-Type"] == "video/webm"
        async with http.get(f"{server.url}/demo/videos/..%2Fsecret.key") as r:
            assert r.status == 404


async def test_widget_script_has_a_stable_url_usable_from_any_site(server: RunningServer) -> None:
    async with aiohttp.ClientSession() as http, http.get(f"{server.url}/widget.js") as r:
        assert r.status == 200
        assert r.headers["Access-Control-Allow-Origin"] == "*"
        assert "javascript" in r.headers["Content-Type"]
        assert "max-age=300" in r.headers["Cache-Control"]


@pytest.mark.parametrize("viewport", [DESKTOP, PHONE], ids=["desktop", "phone"])
async def test_shop_pages_look_right(
    server: RunningServer, browser: Any, viewport: dict[str, int]
) -> None:
    size = "desktop" if viewport is DESKTOP else "phone"
    write_demo_video(server.config.data_dir / "demo-videos" / DEMO_NAME, seconds=1)
    await set_presence(server, "available")  # the real rules decide where the button shows
    async with new_page(browser, viewport=viewport) as page:
        await page.goto(f"{server.url}/demo/")
        await page.get_by_role("heading", name="Aurora Pro espresso machine").wait_for()
        duration = await page.locator("video").evaluate(
            "v => new Promise(ok => v.readyState > 0 ? ok(v.duration)"
            " : v.addEventListener('loadedmetadata', () => ok(v.duration)))"
        )
        assert duration > 0
        await page.get_by_role("button", name="Add to cart").click()
        await page.get_by_role("status").filter(has_text="Added to your cart").wait_for()
        await widget(page).get_by_role("button", name="Video help").wait_for()
        await shoot(page, f"demo-product-{size}")
        await page.goto(f"{server.url}/demo/checkout")
        await page.get_by_text("1 \u00d7 Aurora Pro espresso machine").wait_for()
        await shoot(page, f"demo-checkout-{size}")
        await page.goto(f"{server.url}/demo/premium")
        await page.get_by_role("heading", name="Aurora Care", exact=True).wait_for()
        await page.wait_for_load_state("networkidle")
        # guests get no video help here, only the callback the rules offer instead
        await widget(page).get_by_role("button", name="Request a callback").wait_for()
        assert await widget(page).get_by_role("button", name="Video help").count() == 0
        await shoot(page, f"demo-premium-{size}")


async def test_widget_offers_three_ways_and_asks_consent_first(
    server: RunningServer, browser: Any
) -> None:
    async with new_page(browser, locale="pt", viewport=PHONE) as page:
        asked = await stub_availability(page)
        await page.goto(f"{server.url}/demo/?lang=pt")
        await widget(page).get_by_role("button", name="Ajuda por vídeo").click()
        dialog = widget(page).get_by_role("dialog")
        await dialog.get_by_role("button", name="Videochamada").wait_for()
        await dialog.get_by_role("button", name="Compartilhar minha tela").wait_for()
        await dialog.get_by_role("button", name="Mostrar minha tela ao agente").wait_for()
        await shoot(page, "widget-menu-phone-pt")
        await dialog.get_by_role("button", name="Mostrar minha tela ao agente").click()
        consent = widget(page).get_by_role("alertdialog")
        await consent.get_by_text("Mostrar esta página ao agente?").wait_for()
        await shoot(page, "widget-consent-phone-pt")
        await consent.get_by_role("button", name="Agora não").click()
        await consent.wait_for(state="detached")
        assert any("lang=pt" in url and "page=" in url for url in asked)


async def test_widget_stays_hidden_when_rules_say_no(server: RunningServer, browser: Any) -> None:
    async with new_page(browser) as page:
        await stub_availability(
            page,
            {"available": False, "modalities": [], "estimated_wait_s": None, "reason": "page"},
        )
        await page.goto(f"{server.url}/demo/")
        await page.wait_for_function(
            "() => window.coview && typeof window.coview.identify === 'function'"
        )
        await page.wait_for_load_state("networkidle")
        assert await widget(page).get_by_role("button").count() == 0


async def test_site_can_queue_calls_before_load_and_open_the_panel(
    server: RunningServer, browser: Any
) -> None:
    async with new_page(browser) as page:
        asked = await stub_availability(page)
        await page.add_init_script(
            "window.coview = [['identify', {id: 'c1', tier: 'gold'}], ['setLanguage', 'es']];"
        )
        await page.goto(f"{server.url}/demo/")
        await page.wait_for_function("() => typeof window.coview.open === 'function'")
        await page.evaluate("window.coview.open()")
        await (
            widget(page).get_by_role("dialog").get_by_role("button", name="Videollamada").wait_for()
        )
        assert any("tier=gold" in url and "lang=es" in url for url in asked)
