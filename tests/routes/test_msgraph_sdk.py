"""Microsoft's Graph SDK for Python reads the mock's Graph routes: names, enums and envelopes as Graph sends them."""

from __future__ import annotations

from collections.abc import AsyncIterator
from datetime import UTC, datetime
from typing import Any

import aiohttp
import httpx
import pytest
from kiota_abstractions.authentication import (
    AccessTokenProvider,
    AllowedHostsValidator,
    BaseBearerTokenAuthenticationProvider,
)
from msgraph.generated.models.android_compliance_policy import AndroidCompliancePolicy
from msgraph.generated.models.device_threat_protection_level import DeviceThreatProtectionLevel
from msgraph.generated.models.ios_compliance_policy import IosCompliancePolicy
from msgraph.generated.models.mobile_threat_defense_connector import MobileThreatDefenseConnector
from msgraph.generated.models.o_data_errors.o_data_error import ODataError
from msgraph.graph_request_adapter import GraphRequestAdapter
from msgraph.graph_service_client import GraphServiceClient

from simulator.service.app import create_app
from simulator.service.settings import Settings

# kiota's generated code uses its own deprecated query-parameter classes; that is not ours to fix.
pytestmark = pytest.mark.filterwarnings("ignore::DeprecationWarning")

TENANT = "00000000-0000-4000-8000-000000000001"
ADMIN = {"client_id": "00000000-0000-4000-8000-0000000000b1", "client_secret": "demo-admin-secret"}
PARTNER = {"client_id": "00000000-0000-4000-8000-0000000000a1", "client_secret": "demo-partner-secret"}


class StaticToken(AccessTokenProvider):
    def __init__(self, token: str) -> None:
        self.token = token

    async def get_authorization_token(self, uri: str, additional_authentication_context: Any = None) -> str:
        return self.token

    def get_allowed_hosts_validator(self) -> AllowedHostsValidator:
        return AllowedHostsValidator([])


async def token(http: aiohttp.ClientSession, base: str, app: dict[str, str]) -> str:
    form = {"grant_type": "client_credentials", "scope": "https://graph.microsoft.com/.default", **app}
    async with http.post(f"{base}/{TENANT}/oauth2/v2.0/token", data=form) as response:
        return str((await response.json())["access_token"])


@pytest.fixture
async def graph(aiohttp_server: Any) -> AsyncIterator[tuple[GraphServiceClient, str, aiohttp.ClientSession]]:
    settings = Settings(
        validate_responses=True, clock_start=datetime(2026, 11, 25, 10, tzinfo=UTC), clock_ticking=False
    )
    server = await aiohttp_server(create_app(settings))
    base = str(server.make_url("")).rstrip("/")
    transport = httpx.AsyncClient()  # a plain client we own, so the test closes every socket it opened
    async with aiohttp.ClientSession() as http:
        auth = BaseBearerTokenAuthenticationProvider(StaticToken(await token(http, base, ADMIN)))
        adapter = GraphRequestAdapter(auth, client=transport)
        adapter.base_url = f"{base}/v1.0"
        yield GraphServiceClient(request_adapter=adapter), base, http
    await transport.aclose()


async def test_the_graph_sdk_creates_and_reads_a_connector(graph: Any) -> None:
    client, base, http = graph
    connectors = client.device_management.mobile_threat_defense_connectors
    created = await connectors.post(MobileThreatDefenseConnector(android_enabled=True))
    assert created.android_enabled is True and created.ios_enabled is False
    assert created.last_heartbeat_date_time == datetime(1, 1, 1, tzinfo=UTC)
    headers = {"Authorization": f"Bearer {await token(http, base, PARTNER)}"}
    async with http.post(f"{base}/partner/v1/heartbeat", headers=headers) as response:
        assert response.status == 200
    listed = await connectors.get()
    assert [(c.id, c.partner_state.value) for c in listed.value] == [(created.id, "enabled")]
    assert listed.value[0].partner_unresponsiveness_threshold_in_days == 7


async def test_the_graph_sdk_reads_managed_devices_with_graph_enums(graph: Any) -> None:
    client, _, _ = graph
    devices = (await client.device_management.managed_devices.get()).value
    assert [d.operating_system for d in devices] == ["Android", "Android", "iOS", "iOS"]
    first = devices[0]
    assert first.azure_a_d_device_id == "00000000-0000-4000-8000-00000000d001"
    assert (first.compliance_state.value, first.partner_reported_threat_state.value) == ("compliant", "unknown")
    assert first.managed_device_owner_type.value == "company"
    assert first.device_registration_state.value == "registered"


async def test_the_graph_sdk_reads_compliance_policies_as_their_platform_types(graph: Any) -> None:
    client, _, _ = graph
    policies = client.device_management.device_compliance_policies
    android = await policies.post(AndroidCompliancePolicy(
        display_name="MTD Android", device_threat_protection_enabled=True,
        device_threat_protection_required_security_level=DeviceThreatProtectionLevel.Medium))  # fmt: skip
    await policies.post(IosCompliancePolicy(display_name="MTD iOS", device_threat_protection_enabled=False))
    assert isinstance(android, AndroidCompliancePolicy) and android.id
    listed = sorted((await policies.get()).value, key=lambda p: p.display_name)
    assert [type(p) for p in listed] == [AndroidCompliancePolicy, IosCompliancePolicy]
    read = await policies.by_device_compliance_policy_id(android.id).get()
    assert isinstance(read, AndroidCompliancePolicy)
    assert read.device_threat_protection_required_security_level is DeviceThreatProtectionLevel.Medium


async def test_the_graph_sdk_raises_its_odata_error_with_our_code(graph: Any) -> None:
    client, _, _ = graph
    with pytest.raises(ODataError) as caught:
        await client.device_management.mobile_threat_defense_connectors.by_mobile_threat_defense_connector_id(
            "nope"
        ).get()
    assert caught.value.response_status_code == 404
    error = caught.value.error
    assert error is not None and error.code == "itemNotFound"
    assert error.inner_error is not None
