"""Browser helpers for call tests: open the call page as a participant and read
what the call UI receives (its controller is ``window.coviewCall``)."""

from __future__ import annotations

import asyncio
from typing import Any

# Each guards against a page polled before its call script set window.coviewCall (a
# popup just opened): wait_for_function fails at once on a throwing predicate.
FRAMES_JS = """async () => {
  if (!window.coviewCall) return 0;
  const stats = await window.coviewCall.stats();
  return Object.values(stats).reduce((n, q) => n + q.framesDecoded, 0);
}"""
PER_REMOTE_FRAMES = """async () => {
  if (!window.coviewCall) return [];
  const stats = await window.coviewCall.stats();
  return Object.values(stats).map((q) => q.framesDecoded);
}"""


def refuse_devices(video_error: str, audio_error: str | None) -> str:
    """An init script making getUserMedia fail like a browser without the devices or
    the permission (DOMException names), for the kinds given."""
    audio = "null" if audio_error is None else repr(audio_error)
    return f"""(() => {{
      const real = navigator.mediaDevices.getUserMedia.bind(navigator.mediaDevices);
      navigator.mediaDevices.getUserMedia = async (c) => {{
        if (c.video) throw new DOMException("refused", {video_error!r});
        if (c.audio && {audio}) throw new DOMException("refused", {audio});
        return real(c);
      }};
    }})()"""


async def open_call(
    browser: Any,
    url: str,
    session_id: str,
    token: str,
    *,
    lang: str = "en",
    extra: str = "",
    init_script: str | None = None,
    viewport: tuple[int, int] = (900, 700),
) -> tuple[Any, Any]:
    """A new browser context (own sessionStorage) on /call/{session_id}."""
    width, height = viewport
    context = await browser.new_context(locale=lang, viewport={"width": width, "height": height})
    if init_script:
        await context.add_init_script(init_script)
    page = await context.new_page()
    await page.goto(f"{url}/call/{session_id}?lang={lang}#token={token}{extra}")
    return context, page


async def frames_decoded(page: Any) -> int:
    frames: int = await page.evaluate(FRAMES_JS)
    return frames


async def wait_frames_above(page: Any, floor: int, timeout_s: float = 15) -> int:
    """Waits until the page has decoded more than ``floor`` remote video frames
    (getStats polled inside the page: wait_for_function does not await promises)."""
    frames: int = await asyncio.wait_for(
        page.evaluate(
            f"""async (floor) => {{
              const frames = {FRAMES_JS};
              for (;;) {{
                const n = await frames();
                if (n > floor) return n;
                await new Promise((r) => setTimeout(r, 100));
              }}
            }}""",
            floor,
        ),
        timeout_s,
    )
    return frames
