"""Browser helpers for call tests: open the call page as a participant and read
what the call UI receives (its controller is ``window.coviewCall``)."""

from __future__ import annotations

from typing import Any

FRAMES_JS = """async () => {
  const stats = await window.coviewCall.stats();
  return Object.values(stats).reduce((n, q) => n + q.framesDecoded, 0);
}"""


async def open_call(
    browser: Any, url: str, session_id: str, token: str, *, lang: str = "en", extra: str = ""
) -> tuple[Any, Any]:
    """A new browser context (own sessionStorage) on /call/{session_id}."""
    context = await browser.new_context(locale=lang, viewport={"width": 900, "height": 700})
    page = await context.new_page()
    await page.goto(f"{url}/call/{session_id}?lang={lang}#token={token}{extra}")
    return context, page


async def frames_decoded(page: Any) -> int:
    frames: int = await page.evaluate(FRAMES_JS)
    return frames


async def wait_frames_above(page: Any, floor: int, timeout_ms: float = 15_000) -> None:
    """Waits until the page has decoded more than ``floor`` remote video frames."""
    await page.wait_for_function(
        f"async () => ({FRAMES_JS})().then(n => n > {floor})", timeout=timeout_ms, polling=200
    )
