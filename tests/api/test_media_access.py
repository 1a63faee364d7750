"""Recordings and snapshots at rest and on the way out: stored sealed, sent decrypted
only to a supervisor or through their signed, expiring link; keys rotate with
``coview reencrypt`` and old files stay readable meanwhile."""

from __future__ import annotations

import base64
import os
from pathlib import Path

import aiohttp
import pytest

from media.crypto import KeyRing, Sealer, key_id_of
from media.reencrypt import reencrypt
from server.cli import main
from signaling.keys import SESSION_NS
from tests.support.api import bearer, login, problem
from tests.support.harness import RunningServer, make_config, running_server
from tests.support.privacy_helpers import WEBM, http, listed_url, recorded

__all__ = ["http"]
OLD = "old=" + base64.b64encode(b"\x01" * 32).decode()
NEW = "new=" + base64.b64encode(b"\x02" * 32).decode()


async def test_a_recording_is_sealed_and_its_link_streams_it_decrypted(
    server: RunningServer, http: aiohttp.ClientSession
) -> None:
    info = await recorded(server)
    path = server.app[SESSION_NS].media.library.recording_path(info.session_id, info.id)
    assert WEBM[:4] not in path.read_bytes() and WEBM[100:132] not in path.read_bytes()
    url = await listed_url(http, server, info.id)
    async with http.get(url) as r:  # no bearer: the link is the credential
        assert r.status == 200 and r.content_type == "video/webm"
        assert r.headers["Cache-Control"] == "no-store"
        assert await r.read() == WEBM
    other = await recorded(server)
    bare, _, link = url.partition("?")
    async with http.get(f"{server.url}/api/recordings/{other.id}/file?{link}") as r:
        await problem(r, 403)  # a link opens only its own file
    async with http.get(url[:-3] + "xyz") as r:
        await problem(r, 401)
    async with http.get(bare) as r:
        await problem(r, 401)
    ana = await login(http, server)  # an agent, not a supervisor
    async with http.get(bare, headers=bearer(ana)) as r:
        await problem(r, 403)


async def test_links_expire(tmp_path: Path, http: aiohttp.ClientSession) -> None:
    async with running_server(make_config(tmp_path, media_link_ttl_s=-1)) as server:
        info = await recorded(server)
        async with http.get(await listed_url(http, server, info.id)) as r:
            assert "expired" in (await problem(r, 401))["detail"]


async def test_old_keys_open_old_files_until_reencrypt_moves_them(
    tmp_path: Path, http: aiohttp.ClientSession
) -> None:
    async with running_server(make_config(tmp_path, recording_keys=(OLD,))) as server:
        old = await recorded(server)
    legacy_path = tmp_path / "recordings" / "s_legacy" / "rec_legacy.webm"
    legacy_path.parent.mkdir(parents=True)
    legacy_path.write_bytes(WEBM)  # written before encryption at rest
    os.utime(legacy_path, (0, 0))
    async with running_server(make_config(tmp_path, recording_keys=(NEW, OLD))) as server:
        path = server.app[SESSION_NS].media.library.recording_path(old.session_id, old.id)
        assert key_id_of(path) == "old"
        async with http.get(await listed_url(http, server, old.id)) as r:
            assert await r.read() == WEBM  # still readable with the old key
        ring = KeyRing.parse((NEW, OLD))
        report = reencrypt(tmp_path, ring)
        assert sorted(report.resealed) == sorted([path, legacy_path]) and not report.failed
        assert key_id_of(path) == key_id_of(legacy_path) == "new"
        assert reencrypt(tmp_path, ring).current == 2  # idempotent
    async with running_server(make_config(tmp_path, recording_keys=(NEW,))) as server:
        url = await listed_url(http, server, old.id)
        async with http.get(url) as r:
            assert await r.read() == WEBM  # the old key is gone, the file still opens
    assert b"".join(Sealer(KeyRing.parse((NEW,))).read(legacy_path)) == WEBM


def test_reencrypt_command_reports_what_it_did(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    Sealer(KeyRing.parse((OLD,))).write_bytes(tmp_path / "snapshots" / "s_1" / "snap_1.png", b"p")
    monkeypatch.setenv("COVIEW_RECORDING_KEYS", f"{NEW},{OLD}")
    with pytest.raises(SystemExit) as done:
        main(["reencrypt", "--data-dir", str(tmp_path)])
    assert done.value.code == 0
    assert "1 re-encrypted with key 'new', 0 already current" in capsys.readouterr().out
    assert key_id_of(tmp_path / "snapshots" / "s_1" / "snap_1.png") == "new"
