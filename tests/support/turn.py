"""A throwaway coturn (``turnserver``) on loopback with a shared secret, the way
docker-compose runs it (``--use-auth-secret --static-auth-secret``, realm coview)."""

from __future__ import annotations

import contextlib
import shutil
import socket
import subprocess
import tempfile
import time
from collections.abc import Iterator
from pathlib import Path

from tests.support.harness import free_port


@contextlib.contextmanager
def turn_server(secret: str) -> Iterator[int]:
    """Yields the UDP/TCP listening port of a running coturn."""
    binary = shutil.which("turnserver")
    if binary is None:
        raise RuntimeError("turnserver is not installed: run `make test` (it installs coturn)")
    port = free_port()
    relay_low = free_port()
    workdir = Path(tempfile.mkdtemp(prefix="coview-turn-"))
    proc = subprocess.Popen(
        [
            binary,
            "-n",
            "--listening-ip=127.0.0.1",
            "--relay-ip=127.0.0.1",
            f"--listening-port={port}",
            f"--min-port={relay_low}",
            f"--max-port={relay_low + 200}",
            "--use-auth-secret",
            f"--static-auth-secret={secret}",
            "--realm=coview",
            "--allow-loopback-peers",
            "--no-cli",
            "--no-tls",
            "--no-dtls",
            f"--userdb={workdir / 'turndb'}",
            f"--pidfile={workdir / 'turn.pid'}",
            f"--log-file={workdir / 'turn.log'}",
            "--simple-log",
            "--no-stdout-log",
        ],
        stdout=subprocess.DEVNULL,
        stderr=subprocess.DEVNULL,
    )
    try:
        _wait_for_tcp(port, proc)
        yield port
    finally:
        proc.terminate()
        try:
            proc.wait(timeout=10)
        except subprocess.TimeoutExpired:
            proc.kill()
            proc.wait()
        shutil.rmtree(workdir, ignore_errors=True)


def _wait_for_tcp(port: int, proc: subprocess.Popen[bytes], attempts: int = 200) -> None:
    for _ in range(attempts):
        if proc.poll() is not None:
            raise RuntimeError(f"turnserver exited with {proc.returncode}")
        with socket.socket() as sock:
            if sock.connect_ex(("127.0.0.1", port)) == 0:
                return
        time.sleep(0.025)
    raise RuntimeError("turnserver did not start")
