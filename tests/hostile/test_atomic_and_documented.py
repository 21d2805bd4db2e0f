"""Issue 15 item 6: a refused batch changes nothing; reset and long-lived tokens do what the docs say."""

from __future__ import annotations

from dataclasses import replace
from datetime import UTC, datetime, timedelta
from typing import Any

from aiohttp.test_utils import TestClient

from simulator.domain.clock import parse_datetime
from simulator.service import Settings, create_app
from simulator.service.config import DEMO_PARTNER_CLIENT_ID, DEMO_PARTNER_SECRET

Client = TestClient[Any, Any]
TENANT = "00000000-0000-4000-8000-000000000001"
DEVICES = f"/_sim/tenants/{TENANT}/devices"


def device(number: int, **extra: str) -> dict[str, Any]:
    aad_id = f"00000000-0000-4000-8000-0000000e{number:04d}"
    return {"platform": "android", "osVersion": "14.0", "azureADDeviceId": aad_id, **extra}


async def device_count(client: Client, headers: dict[str, str]) -> int:
    tenants = (await (await client.get("/_sim/tenants", headers=headers)).json())["value"]
    return int(next(t for t in tenants if t["id"] == TENANT)["deviceCount"])


async def test_an_enrolment_batch_repeating_an_intune_id_is_refused_whole(
    mtd_client: Client, control_headers: dict[str, str]
) -> None:
    before = await device_count(mtd_client, control_headers)
    batch = [device(1, id="intune-1"), device(2, id="intune-2"), device(3, id="intune-1")]
    answer = await mtd_client.post(DEVICES, json={"devices": batch}, headers=control_headers)
    assert answer.status == 409
    assert (await answer.json())["error"]["target"] == "/devices/2/id"
    assert await device_count(mtd_client, control_headers) == before


async def test_an_enrolment_batch_repeating_an_azure_ad_device_id_is_refused_whole(
    mtd_client: Client, control_headers: dict[str, str]
) -> None:
    before = await device_count(mtd_client, control_headers)
    answer = await mtd_client.post(DEVICES, json={"devices": [device(1), device(2), device(1)]},
                                   headers=control_headers)  # fmt: skip
    assert answer.status == 409
    assert (await answer.json())["error"]["target"] == "/devices/2/azureADDeviceId"
    assert await device_count(mtd_client, control_headers) == before


async def test_reset_without_a_configured_start_returns_the_clock_to_now(
    aiohttp_client: Any, settings: Settings, control_headers: dict[str, str]
) -> None:
    client = await aiohttp_client(create_app(replace(settings, clock_start=None)))
    await client.post("/_sim/clock/advance", json={"by": "P400D"}, headers=control_headers)
    await client.post("/_sim/reset", headers=control_headers)
    now = parse_datetime((await (await client.get("/_sim/clock", headers=control_headers)).json())["now"])
    assert now < datetime.now(UTC) + timedelta(days=1)


async def test_a_day_long_token_issued_at_the_clocks_end_is_accepted(
    aiohttp_client: Any, settings: Settings, control_headers: dict[str, str], token_for: Any
) -> None:
    client = await aiohttp_client(create_app(replace(settings, token_lifetime=7 * 86400)))
    answer = await client.put("/_sim/clock", json={"now": "9999-12-31T00:00:00Z"}, headers=control_headers)
    assert answer.status == 200
    token = await token_for(client, DEMO_PARTNER_CLIENT_ID, DEMO_PARTNER_SECRET)
    answer = await client.get("/partner/v1/connector", headers={"Authorization": f"Bearer {token}"})
    assert answer.status != 401, await answer.text()
