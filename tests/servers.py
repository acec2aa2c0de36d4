"""A kechuang server in a child process for the real-browser tests: started on a free port, waited
for until /api/v1/health answers, stopped afterwards."""

from __future__ import annotations

import socket
import subprocess
import time
from collections.abc import Iterator, Sequence
from contextlib import contextmanager

import httpx
import pytest


def free_port() -> int:
    """A TCP port on 127.0.0.1 that nothing listens on now."""
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


@contextmanager
def served(
    cli: Sequence[str],
    env: dict[str, str],
    attempts: int = 100,
    pause: float = 0.2,
    probe_timeout: float = 1,
    failure: str = "服务未能启动",
    stop_wait: float = 10,
) -> Iterator[str]:
    """Run `<cli> serve` on a free port and yield its base URL once it answers; fail the test with
    `failure` when it does not within `attempts` probes."""
    port = free_port()
    proc = subprocess.Popen(
        [*cli, "serve", "--port", str(port)],
        env=env,
        stdout=subprocess.DEVNULL,
        stderr=subprocess.DEVNULL,
    )
    base = f"http://127.0.0.1:{port}"
    for _ in range(attempts):
        try:
            if httpx.get(f"{base}/api/v1/health", timeout=probe_timeout).status_code == 200:
                break
        except httpx.HTTPError:
            time.sleep(pause)
    else:
        proc.kill()
        pytest.fail(failure)
    try:
        yield base
    finally:
        proc.terminate()
        proc.wait(stop_wait)
