"""The server peer (aiortc) in a real call: recording with consent, demo playback,
snapshots, and nothing left open afterwards."""

from __future__ import annotations

import asyncio
import os
from collections.abc import AsyncIterator
from pathlib import Path
from typing import Any

import aiohttp
import av
import pytest

from media.demo_video import DEMO_NAME, write_demo_video
from signaling.keys import SESSION_NS
from tests.support.api import bearer, customer_token, login, open_session
from tests.support.call_pages import open_call, wait_frames_above
from tests.support.harness import RunningServer, make_config, running_server
from tests.support.paths import ARTIFACTS_DIR

pytestmark = pytest.mark.browser
WEBM_MAGIC = b"\x1a\x45\xdf\xa3"  # EBML header

MEDIA_FRAMES_JS = """async () => {
  const stats = await window.coviewCall.stats();
  return stats.media ? stats.media.framesDecoded : 0;
}"""


@pytest.fixture(scope="module")
def demo_dir(tmp_path_factory: pytest.TempPathFactory) -> Path:
    folder = tmp_path_factory.mktemp("demo-videos")
    write_demo_video(folder / DEMO_NAME, seconds=4)
    return folder


@pytest.fixture
async def media_server(tmp_path: Path, demo_dir: Path) -> AsyncIterator[RunningServer]:
    config = make_config(
        tmp_path, media_host_addresses=("127.0.0.1",), demo_videos_dir=str(demo_dir)
    )
    async with running_server(config) as running:
        yield running


@pytest.fixture
async def http() -> AsyncIterator[aiohttp.ClientSession]:
    async with aiohttp.ClientSession() as session:
        yield session


def open_webm_files() -> list[str]:
    fds = Path("/proc/self/fd")
    targets = []
    for fd in os.listdir(fds):
        try:
            targets.append(os.readlink(fds / fd))
        except FileNotFoundError:  # the directory listing's own fd, closed since
            continue
    return [t for t in targets if t.endswith(".webm")]


class Call:
    def __init__(self, server: RunningServer, browser: Any, http: aiohttp.ClientSession) -> None:
        self.server, self.browser, self.http = server, browser, http
        self.contexts: list[Any] = []

    async def start(self) -> tuple[Any, Any, str]:
        session = await open_session(self.server)
        token = await customer_token(self.http, self.server, session)
        c_ctx, customer = await open_call(self.browser, self.server.url, session.id, token)
        agent_token = await login(self.http, self.server)
        a_ctx, agent = await open_call(self.browser, self.server.url, session.id, agent_token)
        self.contexts += [c_ctx, a_ctx]
        await wait_frames_above(customer, 0)
        await wait_frames_above(agent, 0)
        return customer, agent, session.id

    async def close(self) -> None:
        for context in self.contexts:
            await context.close()


async def recorded_for(media: Any, seconds: float, within_s: float = 60) -> None:
    """Until every stream of the session's recording holds ``seconds`` of media (at
    most ``within_s``: frames arrive without an event to await)."""
    for _ in range(int(within_s * 10)):
        if all(
            p.writer is not None and p.writer.duration_s >= seconds
            for p in media.participants.values()
        ):
            return
        await asyncio.sleep(0.1)


async def request(page: Any, event: str, payload: dict[str, Any] | None = None) -> Any:
    script = "([e, p]) => window.coviewCall.request(e, p)"
    return await page.evaluate(script, [event, payload or {}])


async def test_recording_needs_consent_and_makes_a_playable_file(
    media_server: RunningServer, browser: Any, http: aiohttp.ClientSession
) -> None:
    call = Call(media_server, browser, http)
    try:
        customer, agent, session_id = await call.start()
        assert (await request(customer, "recording-start"))["error"]["code"] == "forbidden"
        assert await request(agent, "recording-start") == {"ok": True, "state": "awaiting_consent"}
        await customer.get_by_text("would like to record this call").wait_for()
        await customer.get_by_role("button", name="Allow recording").click()
        await agent.get_by_text("Recording").first.wait_for()
        await customer.get_by_text("● Recording").wait_for()
        media = media_server.app[SESSION_NS].media.get(session_id)
        assert media is not None
        # Record 5 seconds of call (media time: the machine may be slower than real time).
        await recorded_for(media, 5)
        ack = await request(agent, "recording-stop")
        assert ack["ok"] and {r["role"] for r in ack["recordings"]} == {"customer", "agent"}
        await customer.get_by_text("● Recording").wait_for(state="hidden")

        supervisor = await login(http, media_server, "sofia@demo.coview")
        async with http.get(
            f"{media_server.url}/api/recordings",
            params={"session_id": session_id},
            headers=bearer(supervisor),
        ) as r:
            assert r.status == 200, await r.text()
            listed = (await r.json())["recordings"]
        customer_rec = next(r for r in listed if r["role"] == "customer")
        assert customer_rec["duration_s"] >= 4 and customer_rec["size"] > 10_000
        library = media_server.app[SESSION_NS].media.library
        at_rest = library.recording_path(session_id, customer_rec["id"]).read_bytes()
        assert WEBM_MAGIC not in at_rest  # encrypted at rest: no WebM header on disk
        async with http.get(media_server.url + customer_rec["url"]) as r:  # its signed link
            assert r.status == 200 and r.content_type == "video/webm"
            downloaded = Path(media_server.config.data_dir) / "downloaded.webm"
            downloaded.write_bytes(await r.read())
        with av.open(str(downloaded)) as container:
            assert container.duration is not None and container.duration / av.time_base >= 4
            frames = sum(1 for _ in container.decode(video=0))
        assert frames == customer_rec["video_frames"] >= 40  # every received frame plays
        agent_token = await login(http, media_server)
        async with http.get(f"{media_server.url}/api/recordings", headers=bearer(agent_token)) as r:
            assert r.status == 403
    finally:
        await call.close()


async def test_agent_records_plays_a_demo_and_takes_a_snapshot_from_the_call_tools(
    media_server: RunningServer, browser: Any, http: aiohttp.ClientSession
) -> None:
    """The server peer as an agent uses it: buttons in the agent's call, the customer's
    consent prompt, and what each tool leaves behind."""
    call = Call(media_server, browser, http)
    try:
        customer, agent, session_id = await call.start()
        tools = agent.get_by_role("group", name="Call tools")
        assert await customer.get_by_role("group", name="Call tools").count() == 0

        await tools.get_by_role("button", name="Record").click()
        await tools.get_by_text("Asking the customer to allow recording…").wait_for()
        await customer.get_by_role("button", name="Allow recording").click()
        await tools.get_by_text("Recording, with the customer's consent.").wait_for()
        media = media_server.app[SESSION_NS].media.get(session_id)
        assert media is not None
        await recorded_for(media, 1, within_s=30)
        await tools.get_by_role("button", name="Stop recording").click()
        await tools.get_by_text("Recording saved").wait_for()
        token = await login(http, media_server, "sofia@demo.coview")
        async with http.get(f"{media_server.url}/api/recordings", headers=bearer(token)) as r:
            listed = [x for x in (await r.json())["recordings"] if x["session_id"] == session_id]
        assert {x["role"] for x in listed} == {"customer", "agent"}

        assert await tools.get_by_label("Product demo").input_value() == DEMO_NAME
        await tools.get_by_role("button", name="Play demo").click()
        await customer.get_by_label("Product demo").wait_for()
        await tools.get_by_role("button", name="Stop demo").click()
        await customer.get_by_label("Product demo").wait_for(state="hidden")

        await tools.get_by_role("button", name="Snapshot").click()
        shot = tools.get_by_role("img", name="Snapshot of the customer's picture")
        await shot.wait_for()
        await agent.wait_for_function(
            "() => document.querySelector('.cv-shot img')?.naturalWidth === 640"
        )
        await agent.screenshot(path=str(ARTIFACTS_DIR / "call-agent-tools.png"))
    finally:
        await call.close()


async def test_declined_consent_records_nothing(
    media_server: RunningServer, browser: Any, http: aiohttp.ClientSession
) -> None:
    call = Call(media_server, browser, http)
    try:
        customer, agent, session_id = await call.start()
        await request(agent, "recording-start")
        await customer.get_by_role("button", name="Don't record").click()
        await agent.wait_for_function("() => !window.coviewCall.recording")
        assert media_server.app[SESSION_NS].media.get(session_id) is None
    finally:
        await call.close()


async def test_demo_playback_reaches_the_customer_and_stops(
    media_server: RunningServer, browser: Any, http: aiohttp.ClientSession
) -> None:
    call = Call(media_server, browser, http)
    try:
        customer, agent, _ = await call.start()
        missing = await request(agent, "demo-play", {"name": "../../etc/passwd"})
        assert missing["error"]["code"] == "not-found"
        assert await request(agent, "demo-play", {"name": DEMO_NAME}) == {
            "ok": True,
            "name": DEMO_NAME,
        }
        await customer.get_by_label("Product demo").wait_for()
        frames = await asyncio.wait_for(
            customer.evaluate(
                f"""async () => {{
                  for (;;) {{
                    const n = await ({MEDIA_FRAMES_JS})();
                    if (n > 10) return n;
                    await new Promise((r) => setTimeout(r, 100));
                  }}
                }}"""
            ),
            15,
        )
        assert frames > 10
        await customer.screenshot(path=str(ARTIFACTS_DIR / "call-demo.png"))
        assert await request(agent, "demo-stop") == {"ok": True}
        await customer.get_by_label("Product demo").wait_for(state="hidden")
    finally:
        await call.close()


async def test_snapshot_of_the_customer_camera_is_saved_to_the_session(
    media_server: RunningServer, browser: Any, http: aiohttp.ClientSession
) -> None:
    call = Call(media_server, browser, http)
    try:
        _, agent, session_id = await call.start()
        ack = await request(agent, "snapshot")
        assert ack["ok"], ack
        snapshot = ack["snapshot"]
        assert (snapshot["width"], snapshot["height"]) == (640, 480)
        png = b"\x89PNG\r\n\x1a\n"
        path, _, _ = snapshot["url"].partition("?")
        token = await login(http, media_server)
        async with http.get(media_server.url + path, headers=bearer(token)) as r:
            assert r.status == 200 and r.content_type == "image/png"
            assert (await r.read())[:8] == png
        async with http.get(media_server.url + snapshot["url"]) as r:  # its signed link
            assert r.status == 200 and (await r.read())[:8] == png
        other = await login(http, media_server, "bruno@demo.coview")
        async with http.get(media_server.url + path, headers=bearer(other)) as r:
            assert r.status == 403
        assert session_id in snapshot["url"]
        stored = media_server.app[SESSION_NS].media.library.snapshot_path(
            session_id, snapshot["name"]
        )
        assert stored is not None and png not in stored.read_bytes()  # encrypted at rest
    finally:
        await call.close()


async def test_ending_the_call_closes_every_server_peer_and_file(
    media_server: RunningServer, browser: Any, http: aiohttp.ClientSession
) -> None:
    call = Call(media_server, browser, http)
    try:
        customer, agent, session_id = await call.start()
        await request(agent, "recording-start")
        await customer.get_by_role("button", name="Allow recording").click()
        manager = media_server.app[SESSION_NS].media
        await agent.get_by_text("Recording").first.wait_for()
        assert manager.open_links() == 2
        await agent.get_by_role("button", name="End call").click()
        await customer.get_by_text("The other person ended the call.").wait_for()
        assert manager.get(session_id) is None and manager.open_links() == 0
        assert open_webm_files() == []
    finally:
        await call.close()


async def test_shutdown_closes_server_peers(
    tmp_path: Path, demo_dir: Path, browser: Any, http: aiohttp.ClientSession
) -> None:
    config = make_config(
        tmp_path, media_host_addresses=("127.0.0.1",), demo_videos_dir=str(demo_dir)
    )
    async with running_server(config) as server:
        call = Call(server, browser, http)
        try:
            _, agent, _ = await call.start()
            assert (await request(agent, "demo-play", {"name": DEMO_NAME}))["ok"]
            manager = server.app[SESSION_NS].media
            assert manager.open_links() == 2
        finally:
            await call.close()
    assert manager.sessions == {} and manager.open_links() == 0
    assert open_webm_files() == []
