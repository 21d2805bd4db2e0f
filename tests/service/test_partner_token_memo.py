"""A partner request whose Authorization header was accepted before skips decoding (the remembered caller): it must
still be refused as soon as anything the full check looks at has changed."""

from __future__ import annotations

from typing import Any

from aiohttp.test_utils import TestClient

from simulator.service.config import DEMO_PARTNER_CLIENT_ID, DEMO_TENANT_ID, app_spec
from simulator.service.keys import STATE

CONNECTOR = "/partner/v1/connector"


async def status(client: TestClient[Any, Any], headers: dict[str, str]) -> tuple[int, str]:
    response = await client.get(CONNECTOR, headers=headers)
    body = await response.json()
    return response.status, body.get("error", {}).get("message", "")


async def test_a_remembered_token_is_refused_before_its_nbf_when_the_clock_is_set_back(
    mtd_client: TestClient[Any, Any], partner_headers: dict[str, str], control_headers: dict[str, str]
) -> None:
    assert (await status(mtd_client, partner_headers))[0] != 401  # remembered from here on
    await mtd_client.put("/_sim/clock", json={"now": "2026-11-25T09:00:00Z"}, headers=control_headers)
    answer, message = await status(mtd_client, partner_headers)
    assert answer == 401 and "not yet valid" in message
    await mtd_client.put("/_sim/clock", json={"now": "2026-11-25T10:00:00Z"}, headers=control_headers)
    assert (await status(mtd_client, partner_headers))[0] != 401


async def test_a_remembered_token_is_refused_once_its_app_is_registered_again(
    mtd_client: TestClient[Any, Any], partner_headers: dict[str, str]
) -> None:
    assert (await status(mtd_client, partner_headers))[0] != 401
    state = mtd_client.app[STATE]
    state.register_app(DEMO_TENANT_ID, app_spec("partner", partner="demo", client_id=DEMO_PARTNER_CLIENT_ID,
                                                client_secret="another secret"))  # a new registration (rh)
    answer, message = await status(mtd_client, partner_headers)
    assert answer == 401 and "no longer registered" in message


async def test_a_remembered_token_of_a_tenant_gone_with_a_reset_is_refused_and_a_configured_apps_still_works(
    mtd_client: TestClient[Any, Any], partner_headers: dict[str, str], control_headers: dict[str, str],
    token_for: Any,
) -> None:  # fmt: skip
    tenant = await (await mtd_client.post("/_sim/tenants", json={"displayName": "Fabrikam"},
                                          headers=control_headers)).json()  # fmt: skip
    created = await mtd_client.post(f"/_sim/tenants/{tenant['id']}/apps", json={"kind": "partner", "partner": "demo"},
                                    headers=control_headers)  # fmt: skip
    app = await created.json()
    access_token = await token_for(mtd_client, app["clientId"], app["clientSecret"], tenant=tenant["id"])
    headers = {"Authorization": f"Bearer {access_token}"}
    assert (await status(mtd_client, headers))[0] != 401  # remembered (403: no connector there)
    assert (await status(mtd_client, partner_headers))[0] != 401
    assert (await mtd_client.post("/_sim/reset", headers=control_headers)).status == 204
    assert (await status(mtd_client, headers))[0] == 401
    assert (await status(mtd_client, partner_headers))[0] != 401  # configured apps keep their registration
