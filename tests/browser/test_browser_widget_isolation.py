"""The widget on a hostile host page: global ``* { all: unset }`` and ``!important``
rules neither break the widget nor does the widget move anything on the host page."""

from __future__ import annotations

from typing import Any

import pytest

from tests.support.browser_helpers import DESKTOP, PHONE, new_page, shoot, stub_availability, widget
from tests.support.harness import RunningServer

pytestmark = pytest.mark.browser

HOSTILE_PAGE = """<!doctype html>
<html lang="en"><head><meta charset="utf-8"><title>Hostile host</title>
<meta name="viewport" content="width=device-width, initial-scale=1">
<style>
  * { all: unset !important; }
  html, body { display: block !important; font: 40px/3 serif !important; color: red !important; }
  div, p, section { display: block !important; margin: 11px !important; padding: 7px !important; }
  button { display: inline-block !important; background: lime !important; color: black !important;
           font-size: 50px !important; border: 9px dotted purple !important; }
  svg { width: 500px !important; height: 500px !important; }
  [role=dialog], section, h2 { position: static !important; width: 10px !important; }
  coview-widget { position: static !important; width: 900px !important; height: 900px !important;
                  margin: 50px !important; font-size: 80px !important; }
</style></head>
<body>
  <section id="hero"><p id="para">Host content that must not move.</p>
  <button id="host-btn">Buy</button></section>
  <div id="grid"><div class="cell">one</div><div class="cell">two</div></div>
</body></html>"""

LAYOUT = """() => [...document.querySelectorAll('body *')]
  .filter(el => el.tagName !== 'COVIEW-WIDGET' && el.tagName !== 'SCRIPT')
  .map(el => { const r = el.getBoundingClientRect(); return [el.id || el.className || el.tagName,
    Math.round(r.x), Math.round(r.y), Math.round(r.width), Math.round(r.height)]; })"""


@pytest.mark.parametrize("viewport", [DESKTOP, PHONE], ids=["desktop", "phone"])
async def test_widget_renders_on_hostile_page_and_leaves_its_layout_alone(
    server: RunningServer, browser: Any, viewport: dict[str, int]
) -> None:
    size = "desktop" if viewport is DESKTOP else "phone"
    url = f"{server.url}/hostile-host.html"
    async with new_page(browser, viewport=viewport) as page:
        await page.route(
            url, lambda route: route.fulfill(content_type="text/html", body=HOSTILE_PAGE)
        )
        await stub_availability(page)
        await page.goto(url)
        before = await page.evaluate(LAYOUT)
        await page.evaluate(
            """base => new Promise((ok, fail) => { const s = document.createElement('script');
              s.src = base + '/widget.js'; s.dataset.siteKey = 'demo-site-key';
              s.onload = ok; s.onerror = fail; document.body.append(s); })""",
            server.url,
        )
        launcher = widget(page).get_by_role("button", name="Video help")
        await launcher.wait_for()
        assert await page.evaluate(LAYOUT) == before

        box = await launcher.bounding_box()
        assert box is not None
        width, height = viewport["width"], viewport["height"]
        assert width - 40 < box["x"] + box["width"] <= width - 8  # bottom-right corner
        assert height - 40 < box["y"] + box["height"] <= height - 8
        assert 40 <= box["height"] <= 60  # not the host's 50px buttons with 9px borders
        style = await launcher.evaluate(
            "b => { const s = getComputedStyle(b);"
            " return [s.backgroundColor, s.fontSize, s.borderTopStyle, s.color]; }"
        )
        assert style == ["rgb(15, 111, 222)", "15px", "none", "rgb(255, 255, 255)"]

        await launcher.click()
        dialog = widget(page).get_by_role("dialog")
        await dialog.get_by_role("button", name="Video call").wait_for()
        panel = await dialog.bounding_box()
        assert panel is not None
        assert panel["width"] == (370 if viewport is DESKTOP else width)
        assert panel["y"] + panel["height"] <= height
        assert await page.evaluate(LAYOUT) == before
        await shoot(page, f"widget-hostile-{size}")


async def test_widget_styles_do_not_leak_into_the_host(server: RunningServer, browser: Any) -> None:
    async with new_page(browser) as page:
        await stub_availability(page)
        await page.goto(f"{server.url}/demo/checkout")
        await widget(page).get_by_role("button", name="Video help").click()
        # The widget has its own .primary/.row/.body rules; the host's look the same.
        assert await page.evaluate("document.querySelectorAll('style').length") == 0
        color = await page.locator("button.shop-button.primary").evaluate(
            "b => getComputedStyle(b).backgroundColor"
        )
        assert color == "rgb(59, 36, 23)"
        body_font = await page.evaluate("getComputedStyle(document.body).fontSize")
        assert body_font == "16px"
