"""Bodies that came whole are taken from aiohttp's buffer without resuming the connection; every other body is read
by aiohttp itself, and requests pipelined or split on the wire are answered as before."""

from __future__ import annotations

import asyncio
from datetime import UTC, datetime
from typing import Any

import orjson
from aiohttp import StreamReader
from aiohttp.base_protocol import BaseProtocol
from aiohttp.streams import EMPTY_PAYLOAD
from aiohttp.test_utils import TestClient

from simulator.service.arrived_body import take_arrived
from simulator.service.config import DEMO_TENANT_ID
from simulator.service.keys import STATE

Client = TestClient[Any, Any]
ANDROID = "00000000-0000-4000-8000-00000000d001"
CONNECTORS = "/beta/deviceManagement/mobileThreatDefenseConnectors"


class CountingProtocol(BaseProtocol):
    """aiohttp's protocol base, counting how often a reader asks it to resume reading."""

    def __init__(self, loop: asyncio.AbstractEventLoop) -> None:
        super().__init__(loop)
        self.resumed = 0

    def resume_reading(self, resume_parser: bool = True) -> None:
        self.resumed += 1


def reader_with(*pieces: bytes, eof: bool = True, paused: bool = False) -> tuple[StreamReader, CountingProtocol]:
    protocol = CountingProtocol(asyncio.get_running_loop())
    protocol._reading_paused = paused
    content = StreamReader(protocol, 2**16, loop=asyncio.get_running_loop())
    for piece in pieces:
        content.feed_data(piece)
    if eof:
        content.feed_eof()  # which resumes reading itself (aiohttp 3.14): only what comes after is counted
    protocol.resumed = 0
    return content, protocol


async def test_a_body_that_came_in_one_piece_is_taken_without_resuming_the_connection() -> None:
    content, protocol = reader_with(b'{"reports": []}')
    assert take_arrived(content) == b'{"reports": []}'
    assert protocol.resumed == 0  # fails if aiohttp's reader changed shape and the fallback ran
    assert content.at_eof() and await content.read() == b""


async def test_a_body_still_arriving_is_left_for_a_later_read() -> None:
    content, _ = reader_with(b'{"rep', eof=False)
    assert take_arrived(content) is None
    content.feed_data(b'orts": []}')
    content.feed_eof()
    assert await content.read() == b'{"reports": []}'


async def test_a_body_in_several_pieces_is_joined_by_aiohttps_own_read() -> None:
    content, protocol = reader_with(b'{"rep', b'orts": []}')
    assert take_arrived(content) == b'{"reports": []}'
    assert protocol.resumed >= 1 and content.at_eof()


async def test_a_connection_paused_for_the_body_is_resumed_by_aiohttps_own_read() -> None:
    content, protocol = reader_with(b'{"reports": []}', paused=True)
    assert take_arrived(content) == b'{"reports": []}'
    assert protocol.resumed == 1


async def test_a_request_without_a_body_gives_empty_bytes() -> None:
    assert take_arrived(EMPTY_PAYLOAD) == b""


def report_request(token: str, when: str) -> bytes:
    body = orjson.dumps({"reports": [{"azureADDeviceId": ANDROID, "platform": "android", "osVersion": "14.0",
                                      "threatState": "secured", "reportedDateTime": when}]})  # fmt: skip
    head = (f"POST /partner/v1/deviceThreatReports HTTP/1.1\r\nHost: localhost\r\nAuthorization: {token}\r\n"
            f"Content-Type: application/json\r\nContent-Length: {len(body)}\r\n\r\n")  # fmt: skip
    return head.encode() + body


async def read_answer(reader: asyncio.StreamReader) -> tuple[int, Any]:
    head = (await reader.readuntil(b"\r\n\r\n")).decode()
    length = next(int(line.split(":")[1]) for line in head.split("\r\n") if line.lower().startswith("content-length"))
    return int(head.split()[1]), orjson.loads(await reader.readexactly(length))


async def test_reports_pipelined_in_one_write_and_split_across_writes_are_each_answered(
    mtd_client: Client, partner_headers: dict[str, str], admin_headers: dict[str, str]
) -> None:
    await mtd_client.post(CONNECTORS, json={"androidEnabled": True}, headers=admin_headers)
    assert (await mtd_client.post("/partner/v1/heartbeat", headers=partner_headers)).status == 200
    token = partner_headers["Authorization"]
    reader, writer = await asyncio.open_connection(mtd_client.server.host, mtd_client.server.port)
    try:
        writer.write(report_request(token, "2026-11-25T09:00:01Z") + report_request(token, "2026-11-25T09:00:02Z"))
        split = report_request(token, "2026-11-25T09:00:03Z")
        writer.write(split[:-20])
        await writer.drain()
        answers = [await read_answer(reader), await read_answer(reader)]
        await asyncio.sleep(0.05)  # the third body's head and most of its bytes are in; its end comes later
        writer.write(split[-20:])
        answers.append(await read_answer(reader))
    finally:
        writer.close()
    assert [(status, body["acceptedCount"]) for status, body in answers] == [(200, 1)] * 3
    tenant = mtd_client.app[STATE].tenants[DEMO_TENANT_ID]
    (connector_id,) = tenant.connectors
    stored = tenant.report(connector_id, ANDROID)
    assert stored is not None and stored.reported_at == datetime(2026, 11, 25, 9, 0, 3, tzinfo=UTC)
