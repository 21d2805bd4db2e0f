"""The embedded mocks (``mtdsim run`` without ``--target``, ``mtdsim simulate``) answer what aiohttp's parser refuses
as ``mtdsim serve`` does: in the Graph envelope, with a request-id."""

from __future__ import annotations

from collections.abc import Awaitable, Callable
from typing import Any
from urllib.parse import urlsplit

import pytest

from simulator.consoles.simulation import SimulationConfig, _embedded_mock
from simulator.scenarios.embedded import embedded_target

RawTo = Callable[[tuple[str, int], bytes], Awaitable[tuple[int, dict[str, str], Any]]]


def _address(url: str) -> tuple[str, int]:
    parts = urlsplit(url)
    assert parts.hostname is not None and parts.port is not None
    return parts.hostname, parts.port


def _assert_graph_rejection(status: int, headers: dict[str, str], body: Any) -> None:
    assert status == 400
    assert body["error"]["code"] == "invalidRequest"
    assert body["error"]["innerError"]["request-id"] == headers["request-id"]


async def test_the_scenario_runners_embedded_mock_refuses_a_bad_request_line_in_the_graph_envelope(
    raw_to: RawTo,
) -> None:
    async with embedded_target() as target:
        _assert_graph_rejection(*await raw_to(_address(target.base_url), b"GARBAGE\r\n\r\n"))


async def test_simulates_embedded_mock_refuses_a_bad_request_line_in_the_graph_envelope(raw_to: RawTo) -> None:
    config = SimulationConfig(seed=7)
    async with _embedded_mock(config) as (url, _key):
        _assert_graph_rejection(*await raw_to(_address(url), b"GARBAGE\r\n\r\n"))


@pytest.mark.parametrize("request_bytes", [
    b"GET /_sim/stats HTTP/1.1\r\nHost: x\r\nX-Big: " + b"a" * 20_000 + b"\r\n\r\n",
    b"POST /_sim/tenants HTTP/1.1\r\nHost: x\r\nTransfer-Encoding: chunked\r\n\r\nzz\r\n",
], ids=["oversized header", "bad chunk"])  # fmt: skip
async def test_the_embedded_mock_refuses_other_malformed_requests_with_a_request_id(
    raw_to: RawTo, request_bytes: bytes
) -> None:
    async with embedded_target() as target:
        status, headers, body = await raw_to(_address(target.base_url), request_bytes)
    assert 400 <= status < 500
    assert body["error"]["innerError"]["request-id"] == headers["request-id"]
