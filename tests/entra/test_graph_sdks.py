"""Both Graph SDKs (msgraph-sdk for v1.0, msgraph-beta-sdk for beta) run the README walkthrough against a real
``mtdsim serve --tls``: ``GraphServiceClient(credentials=...)`` with an azure-identity credential, only the base URL
and the CA file (``SSL_CERT_FILE``, which httpx reads) configured.
"""

from __future__ import annotations

import json
import ssl
import urllib.request
import warnings
from collections.abc import AsyncIterator, Iterator
from typing import Any

import pytest
from azure.identity import ClientSecretCredential
from kiota_abstractions.base_request_configuration import RequestConfiguration
from msgraph.generated.models.android_compliance_policy import AndroidCompliancePolicy
from msgraph.generated.models.device_threat_protection_level import DeviceThreatProtectionLevel
from msgraph.generated.models.managed_device import ManagedDevice
from msgraph.generated.models.mobile_threat_defense_connector import MobileThreatDefenseConnector
from msgraph.generated.models.o_data_errors.o_data_error import ODataError
from msgraph.graph_service_client import GraphServiceClient
from msgraph_beta import GraphServiceClient as BetaGraphServiceClient
from msgraph_beta.generated.models.mobile_threat_defense_connector import (
    MobileThreatDefenseConnector as BetaConnector,
)
from msgraph_core import PageIterator

from simulator.service.config import DEMO_ADMIN_CLIENT_ID, DEMO_ADMIN_SECRET, DEMO_TENANT_ID

from .conftest import CONTROL_KEY, TlsServer

with warnings.catch_warnings():  # kiota warns about its own deprecated classes when the SDK module is imported
    warnings.simplefilter("ignore", DeprecationWarning)
    from msgraph.generated.device_management.managed_devices.managed_devices_request_builder import (
        ManagedDevicesRequestBuilder,
    )

# kiota's generated code uses its own deprecated query-parameter classes; that is not ours to fix.
pytestmark = [pytest.mark.slow, pytest.mark.filterwarnings("ignore::DeprecationWarning")]
SCOPES = ["https://graph.microsoft.com/.default"]


def control_json(server: TlsServer, method: str, path: str, body: Any = None) -> Any:
    data = json.dumps(body).encode() if body is not None else None
    request = urllib.request.Request(f"{server.url}{path}", data=data, method=method,
                                     headers={"X-Mtdsim-Control-Key": CONTROL_KEY, "Content-Type": "application/json"})
    with urllib.request.urlopen(request, timeout=10, context=ssl.create_default_context(cafile=str(server.ca_file))) \
            as response:  # fmt: skip
        text = response.read()
    return json.loads(text) if text else None


async def close(client: Any) -> None:
    """The SDKs have no close(), and msgraph-core's AsyncGraphTransport does not close the httpx transport it wraps
    (it inherits httpx's no-op ``aclose``): close that one ourselves, so no socket outlives the test."""
    http = client.request_adapter._http_client
    await http._transport.transport.aclose()
    await http.aclose()


@pytest.fixture
def credential(tls_server: TlsServer, monkeypatch: pytest.MonkeyPatch) -> Iterator[ClientSecretCredential]:
    monkeypatch.setenv("SSL_CERT_FILE", str(tls_server.ca_file))  # httpx (the SDKs' transport) trusts it
    for name in ("REQUESTS_CA_BUNDLE", "CURL_CA_BUNDLE"):  # they would override connection_verify (requests#3829)
        monkeypatch.delenv(name, raising=False)
    with ClientSecretCredential(DEMO_TENANT_ID, DEMO_ADMIN_CLIENT_ID, DEMO_ADMIN_SECRET, authority=tls_server.url,
                                disable_instance_discovery=True,
                                connection_verify=str(tls_server.ca_file)) as credential:  # fmt: skip
        yield credential


@pytest.fixture
async def graph(tls_server: TlsServer, credential: ClientSecretCredential) -> AsyncIterator[GraphServiceClient]:
    client = GraphServiceClient(credentials=credential, scopes=SCOPES)
    client.request_adapter.base_url = f"{tls_server.url}/v1.0"
    yield client
    await close(client)


@pytest.fixture
async def beta(tls_server: TlsServer, credential: ClientSecretCredential) -> AsyncIterator[BetaGraphServiceClient]:
    client = BetaGraphServiceClient(credentials=credential, scopes=SCOPES)
    client.request_adapter.base_url = f"{tls_server.url}/beta"
    yield client
    await close(client)


async def test_v1_sdk_creates_updates_reads_and_deletes_a_connector(graph):
    connectors = graph.device_management.mobile_threat_defense_connectors
    created = await connectors.post(MobileThreatDefenseConnector(android_enabled=True))
    assert created.id and created.android_enabled is True and created.ios_enabled is False
    one = connectors.by_mobile_threat_defense_connector_id(created.id)
    updated = await one.patch(MobileThreatDefenseConnector(ios_enabled=True))
    assert updated.ios_enabled is True and updated.android_enabled is True
    assert [c.id for c in (await connectors.get()).value] == [created.id]
    await one.delete()
    with pytest.raises(ODataError) as caught:
        await one.get()
    assert caught.value.response_status_code == 404


async def test_v1_sdk_creates_and_lists_compliance_policies(graph):
    policies = graph.device_management.device_compliance_policies
    created = await policies.post(AndroidCompliancePolicy(
        display_name="MTD Android", device_threat_protection_enabled=True,
        device_threat_protection_required_security_level=DeviceThreatProtectionLevel.Medium))  # fmt: skip
    assert isinstance(created, AndroidCompliancePolicy)
    listed = (await policies.get()).value
    assert [(p.id, type(p)) for p in listed] == [(created.id, AndroidCompliancePolicy)]


async def test_v1_sdk_pages_managed_devices_with_page_iterator_and_filters(graph):
    devices = graph.device_management.managed_devices
    query = ManagedDevicesRequestBuilder.ManagedDevicesRequestBuilderGetQueryParameters(top=1)
    first = await devices.get(RequestConfiguration(query_parameters=query))
    assert len(first.value) == 1 and first.odata_next_link
    seen: list[str] = []

    def collect(device: ManagedDevice) -> bool:
        seen.append(str(device.azure_a_d_device_id))
        return True  # keep going

    iterator = PageIterator(first, graph.request_adapter)  # pages of the first page's type
    await iterator.iterate(collect)
    assert len(seen) == 4 and len(set(seen)) == 4
    ios = ManagedDevicesRequestBuilder.ManagedDevicesRequestBuilderGetQueryParameters(
        filter="operatingSystem eq 'iOS'")
    filtered = (await devices.get(RequestConfiguration(query_parameters=ios))).value
    assert [d.operating_system for d in filtered] == ["iOS", "iOS"]


async def test_v1_sdk_selects_counts_and_orders_managed_devices(graph):
    devices = graph.device_management.managed_devices
    query = ManagedDevicesRequestBuilder.ManagedDevicesRequestBuilderGetQueryParameters(
        select=["azureADDeviceId", "operatingSystem"], count=True, orderby=["operatingSystem desc"])
    page = await devices.get(RequestConfiguration(query_parameters=query))
    assert page.odata_count == 4
    assert [d.operating_system for d in page.value] == ["iOS", "iOS", "Android", "Android"]
    # $select: the SDK reads only what was asked for; everything else stays unset.
    assert all(d.azure_a_d_device_id and d.device_name is None and d.os_version is None for d in page.value)


async def test_v1_sdk_retry_handler_honours_the_integer_retry_after_of_a_429(graph, tls_server):
    rule = {"match": {"route": "/v1.0/deviceManagement/managedDevices", "method": "GET"}, "when": {"first": 1},
            "then": {"error": {"status": 429, "retryAfter": 0.4}}}  # sent as Retry-After: 1
    control_json(tls_server, "POST", "/_sim/faults", rule)
    devices = (await graph.device_management.managed_devices.get()).value
    assert len(devices) == 4  # answered after the SDK's own retry
    journal = control_json(tls_server, "GET", "/_sim/journal?route=/v1.0/deviceManagement/managedDevices")
    assert [e["status"] for e in reversed(journal["value"])] == [429, 200]
    assert control_json(tls_server, "GET", "/_sim/violations")["value"] == []


async def test_beta_sdk_runs_connector_crud_and_reads_managed_devices(beta):
    connectors = beta.device_management.mobile_threat_defense_connectors
    created = await connectors.post(BetaConnector(android_enabled=True))
    assert created.id and created.android_enabled is True
    one = connectors.by_mobile_threat_defense_connector_id(created.id)
    assert (await one.patch(BetaConnector(ios_enabled=True))).ios_enabled is True
    devices = (await beta.device_management.managed_devices.get()).value
    assert len(devices) == 4 and {d.operating_system for d in devices} == {"Android", "iOS"}
    await one.delete()
    assert (await connectors.get()).value == []
