"""A raw-socket client for hostile bytes no HTTP library would send (non-UTF-8 headers, half bodies)."""

from __future__ import annotations

import asyncio
from collections.abc import Awaitable, Callable
from typing import Any

import orjson
import pytest
from aiohttp.test_utils import TestClient

Raw = Callable[[bytes], Awaitable[tuple[int, dict[str, str], Any]]]


async def raw_exchange(client: TestClient[Any, Any], data: bytes) -> tuple[int, dict[str, str], Any]:
    """Send ``data`` as is, read one response (the server closes or sends Content-Length); body parsed as JSON."""
    reader, writer = await asyncio.open_connection(client.server.host, client.server.port)
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
