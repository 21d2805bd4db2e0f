"""A raw-socket client for hostile bytes no HTTP library would send (non-UTF-8 headers, half bodies)."""

from __future__ import annotations

import asyncio
import re
import signal
import subprocess
import sys
import urllib.parse
import urllib.request
from collections.abc import Awaitable, Callable, Iterator
from dataclasses import dataclass
from typing import Any

import orjson
import pytest
from aiohttp.test_utils import TestClient

TENANT = "00000000-0000-4000-8000-000000000001"
PARTNER = ("00000000-0000-4000-8000-0000000000a1", "demo-partner-secret")
Raw = Callable[[bytes], Awaitable[tuple[int, dict[str, str], Any]]]


async def raw_exchange(client: TestClient[Any, Any] | tuple[str, int], data: bytes) -> tuple[int, dict[str, str], Any]:
    """Send ``data`` as is, read one response (the server closes or sends Content-Length); body parsed as JSON."""
    host, port = client if isinstance(client, tuple) else (client.server.host, client.server.port)
    reader, writer = await asyncio.open_connection(host, port)
    try:
        writer.write(data)
        await writer.drain()
        head = await reader.readuntil(b"\r\n\r\n")
        lines = head.decode("latin-1").split("\r\n")
        status = int(lines[0].split(" ")[1])
        headers = {k.lower(): v.strip() for k, _, v in (line.partition(":") for line in lines[1:] if line)}
        length = int(headers.get("content-length", "0"))
        body = await reader.readexactly(length) if length else b""
        return status, headers, orjson.loads(body) if headers.get("content-type", "").startswith(
            "application/json") else body
    finally:
        writer.close()


@pytest.fixture
def raw(mtd_client: TestClient[Any, Any]) -> Raw:
    """``await raw(b"GET / HTTP/1.1\\r\\n...")`` -> (status, lower-cased headers, JSON body or bytes)."""

    async def send(data: bytes) -> tuple[int, dict[str, str], Any]:
        return await raw_exchange(mtd_client, data)

    return send


@dataclass
class Served:
    """A running ``mtdsim serve`` (control key ``k``, demo config) and what it printed."""

    process: subprocess.Popen[str]
    url: str
    port: int

    def call(self, path: str, *, data: bytes | None = None, headers: dict[str, str] | None = None) -> Any:
        request = urllib.request.Request(f"{self.url}{path}", data=data,
                                         headers={"X-Mtdsim-Control-Key": "k", **(headers or {})})  # fmt: skip
        with urllib.request.urlopen(request, timeout=10) as answer:
            return orjson.loads(answer.read() or b"null")

    def partner_token(self) -> str:
        form = urllib.parse.urlencode({"grant_type": "client_credentials", "client_id": PARTNER[0],
                                       "client_secret": PARTNER[1], "scope": "https://graph.microsoft.com/.default"})
        return str(self.call(f"/{TENANT}/oauth2/v2.0/token", data=form.encode())["access_token"])

    def stop(self) -> str:
        """SIGINT, wait, and return everything it wrote to stderr."""
        self.process.send_signal(signal.SIGINT)
        _, err = self.process.communicate(timeout=15)
        return err


@pytest.fixture
def serve() -> Iterator[Callable[..., Served]]:
    """``serve(*extra_args)`` starts ``mtdsim serve --port 0`` and returns it once it is listening."""
    started: list[Served] = []

    def start(*args: str) -> Served:
        command = [sys.executable, "-m", "simulator", "serve", "--port", "0", "--seed", "5", "--control-key", "k",
                   *args]  # fmt: skip
        process = subprocess.Popen(command, stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True)
        assert process.stdout is not None
        served = Served(process, "", 0)
        started.append(served)
        first = process.stdout.readline()
        match = re.search(r"http://127\.0\.0\.1:(\d+)", first)
        assert match, (first, process.stderr.read() if process.stderr and process.poll() is not None else "")
        served.url, served.port = match.group(0), int(match.group(1))
        return served

    yield start
    for served in started:
        if served.process.poll() is None:
            served.process.kill()
            served.process.communicate(timeout=5)


@pytest.fixture
def raw_to() -> Callable[[tuple[str, int], bytes], Awaitable[tuple[int, dict[str, str], Any]]]:
    """``await raw_to(("127.0.0.1", port), data)``: ``raw`` for a server of one's own (e.g. ``serve``)."""
    return raw_exchange
