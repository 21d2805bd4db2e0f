"""DESIGN 7's bad inputs on every partner and Graph route that takes a body: a documented 4xx in the Graph envelope.

tests/service/test_errors.py covers the same failures on a control route; tests/fuzz throws generated bodies at all.
"""

from __future__ import annotations

from collections.abc import AsyncIterator
from dataclasses import replace
from typing import Any

import pytest

from simulator.service import Settings, create_app
from simulator.service.config import (
    DEMO_ADMIN_CLIENT_ID,
    DEMO_ADMIN_SECRET,
    DEMO_PARTNER_CLIENT_ID,
    DEMO_PARTNER_SECRET,
)

Api = Any
ANDROID = "00000000-0000-4000-8000-00000000d001"
DEMO_CONNECTOR = "5a1b0c2d-3e4f-4a5b-8c6d-7e8f9a0b1c2d"
CONNECTORS = "deviceManagement/mobileThreatDefenseConnectors"
POLICIES = "deviceManagement/deviceCompliancePolicies"
POLICY = {"@odata.type": "#microsoft.graph.androidCompliancePolicy", "displayName": "MTD",
          "deviceThreatProtectionEnabled": True, "deviceThreatProtectionRequiredSecurityLevel": "low"}  # fmt: skip
REPORT = {"azureADDeviceId": ANDROID, "platform": "android", "osVersion": "14.0", "threatState": "secured",
          "reportedDateTime": "2026-11-25T10:00:00Z"}  # fmt: skip

# (method, path, caller); {policy} is filled in with a policy created before the request.
BODY_ROUTES = [
    ("POST", "/partner/v1/heartbeat", "partner"),
    ("POST", "/partner/v1/deviceThreatReports", "partner"),
    ("POST", f"/v1.0/{CONNECTORS}", "admin"),
    ("POST", f"/beta/{CONNECTORS}", "admin"),
    ("PATCH", f"/v1.0/{CONNECTORS}/{DEMO_CONNECTOR}", "admin"),
    ("PATCH", f"/beta/{CONNECTORS}/{DEMO_CONNECTOR}", "admin"),
    ("POST", f"/v1.0/{POLICIES}", "admin"),
    ("POST", f"/beta/{POLICIES}", "admin"),
    ("PATCH", f"/v1.0/{POLICIES}/{{policy}}", "admin"),
    ("PATCH", f"/beta/{POLICIES}/{{policy}}", "admin"),
]
ROUTE_IDS = [f"{method} {path}" for method, path, _ in BODY_ROUTES]

# (method, path, body, the JSON pointer the 400 must name)
WRONG_TYPES = [
    ("POST", "/partner/v1/heartbeat", {"partnerVersion": 2}, "/partnerVersion"),
    ("POST", "/partner/v1/deviceThreatReports", {"reports": "all of them"}, "/reports"),
    ("POST", "/partner/v1/deviceThreatReports", {"reports": [{**REPORT, "osVersion": 14}]}, "/reports/0/osVersion"),
    ("POST", f"/v1.0/{CONNECTORS}", {"androidEnabled": "yes"}, "/androidEnabled"),
    ("PATCH", f"/beta/{CONNECTORS}/{DEMO_CONNECTOR}", {"partnerUnresponsivenessThresholdInDays": "7"},
     "/partnerUnresponsivenessThresholdInDays"),
    ("POST", f"/v1.0/{POLICIES}", {**POLICY, "deviceThreatProtectionEnabled": "true"},
     "/deviceThreatProtectionEnabled"),
    ("PATCH", f"/beta/{POLICIES}/{{policy}}", {"displayName": ["MTD"]}, "/displayName"),
]  # fmt: skip
UNKNOWN_ENUMS = [
    ("POST", "/partner/v1/deviceThreatReports", {"reports": [{**REPORT, "threatState": "pwned"}]},
     "/reports/0/threatState"),
    ("POST", "/partner/v1/deviceThreatReports", {"reports": [{**REPORT, "platform": "windows"}]},
     "/reports/0/platform"),
    ("POST", f"/beta/{CONNECTORS}", {"partnerState": "sleeping"}, "/partnerState"),
    ("PATCH", f"/v1.0/{CONNECTORS}/{DEMO_CONNECTOR}", {"partnerState": "sleeping"}, "/partnerState"),
    ("POST", f"/beta/{POLICIES}", {**POLICY, "deviceThreatProtectionRequiredSecurityLevel": "extreme"},
     "/deviceThreatProtectionRequiredSecurityLevel"),
    ("POST", f"/v1.0/{POLICIES}", {**POLICY, "@odata.type": "#microsoft.graph.windows10CompliancePolicy"},
     "/@odata.type"),
    ("PATCH", f"/v1.0/{POLICIES}/{{policy}}", {"deviceThreatProtectionRequiredSecurityLevel": "severe"},
     "/deviceThreatProtectionRequiredSecurityLevel"),
]  # fmt: skip


async def set_up(api: Api) -> str:
    """The demo connector (heartbeat sent) and one Android policy; returns the policy's id."""
    await api.live_connector(androidEnabled=True)
    policy = await api.call("POST", f"/v1.0/{POLICIES}", json=POLICY, status=201)
    return str(policy["id"])


async def send(api: Api, method: str, path: str, caller: str, data: bytes, content_type: str) -> Any:
    headers = {**getattr(api, caller), "Content-Type": content_type}
    return await api.client.request(method, path, data=data, headers=headers)


def assert_graph_error(body: dict[str, Any], code: str) -> dict[str, Any]:
    error: dict[str, Any] = body["error"]
    assert error["code"] == code and error["message"]
    assert error["innerError"]["request-id"] and error["innerError"]["date"]
    return error


@pytest.mark.parametrize(("method", "path", "caller"), BODY_ROUTES, ids=ROUTE_IDS)
async def test_malformed_json_is_400_invalid_request(api: Api, method: str, path: str, caller: str) -> None:
    path = path.format(policy=await set_up(api))
    for broken in (b'{"reports": [', b"{'single': 'quotes'}", b"\xff\xfe{}"):
        response = await send(api, method, path, caller, broken, "application/json")
        assert response.status == 400, await response.text()
        assert_graph_error(await response.json(), "invalidRequest")


@pytest.mark.parametrize(("method", "path", "caller"), BODY_ROUTES, ids=ROUTE_IDS)
async def test_a_body_that_is_not_json_is_415_unsupported_media_type(
    api: Api, method: str, path: str, caller: str
) -> None:
    path = path.format(policy=await set_up(api))
    for content_type in ("text/plain", "application/x-www-form-urlencoded"):
        response = await send(api, method, path, caller, b'{"displayName": "x"}', content_type)
        assert response.status == 415, await response.text()
        assert content_type in assert_graph_error(await response.json(), "unsupportedMediaType")["message"]


@pytest.mark.parametrize(("method", "path", "payload", "pointer"), WRONG_TYPES + UNKNOWN_ENUMS)
async def test_wrong_types_and_unknown_enum_values_are_400_at_their_pointer(
    api: Api, method: str, path: str, payload: dict[str, Any], pointer: str
) -> None:
    path = path.format(policy=await set_up(api))
    body = await api.call(method, path, as_="partner" if path.startswith("/partner") else "admin", status=400,
                          json=payload)  # fmt: skip
    error = assert_graph_error(body, "invalidRequest")
    assert pointer in {detail["target"] for detail in error.get("details", [])} | {error.get("target")}


@pytest.fixture
async def small_limit(aiohttp_client: Any, settings: Settings, token_for: Any) -> AsyncIterator[Any]:
    """A mock whose request bodies are limited to 2 KiB, with the connector set up and one policy."""
    client = await aiohttp_client(create_app(replace(settings, max_body_size=2048)))
    admin = {"Authorization": f"Bearer {await token_for(client, DEMO_ADMIN_CLIENT_ID, DEMO_ADMIN_SECRET)}"}
    partner = {"Authorization": f"Bearer {await token_for(client, DEMO_PARTNER_CLIENT_ID, DEMO_PARTNER_SECRET)}"}
    assert (await client.post(f"/beta/{CONNECTORS}", json={}, headers=admin)).status == 201
    assert (await client.post("/partner/v1/heartbeat", headers=partner)).status == 200
    policy = await (await client.post(f"/v1.0/{POLICIES}", json=POLICY, headers=admin)).json()
    yield client, {"admin": admin, "partner": partner}, policy["id"]


@pytest.mark.parametrize(("method", "path", "caller"), BODY_ROUTES, ids=ROUTE_IDS)
async def test_an_oversize_body_is_413_with_or_without_content_length(
    small_limit: Any, method: str, path: str, caller: str
) -> None:
    client, headers, policy = small_limit
    path = path.format(policy=policy)
    big = b'{"reports": [' + b",".join([b'{"osVersion": "14.0"}'] * 200) + b"]}"
    assert len(big) > 2048

    async def chunked() -> AsyncIterator[bytes]:  # no Content-Length: aiohttp's own limit has to answer
        yield big

    for data in (big, chunked()):
        response = await client.request(method, path, data=data,
                                        headers={**headers[caller], "Content-Type": "application/json"})  # fmt: skip
        assert response.status == 413, await response.text()
        error = assert_graph_error(await response.json(), "requestEntityTooLarge")
        assert "2048" in error["message"]
