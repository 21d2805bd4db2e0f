"""The mock's Graph shapes held against Microsoft's own SDK models (msgraph-sdk for v1.0, msgraph-beta-sdk for beta).

For mobileThreatDefenseConnector, managedDevice, androidCompliancePolicy and iosCompliancePolicy: every structural
property the SDK model knows is in the mock's answer (navigation properties excepted, as Graph does not expand
them), and the SDK's own JSON parse node reads every property the mock sends into a model attribute, with no None
for a value that was not null (an enum member the SDK does not know would parse as None).
"""

from __future__ import annotations

import importlib
import re
import typing
from collections.abc import AsyncIterator
from typing import Any

import orjson
import pytest
from kiota_serialization_json.json_parse_node_factory import JsonParseNodeFactory

from tests.routes.conftest import Api

pytestmark = pytest.mark.filterwarnings("ignore::DeprecationWarning")

PACKAGES = {"v1.0": "msgraph", "beta": "msgraph_beta"}
CONNECTOR = "5a1b0c2d-3e4f-4a5b-8c6d-7e8f9a0b1c2d"
POLICIES = "/{}/deviceManagement/deviceCompliancePolicies"


def _snake(name: str) -> str:
    """Kiota's Python names: every capital starts a new word (azureADDeviceId -> azure_a_d_device_id)."""
    return re.sub(r"(?<!^)(?=[A-Z])", "_", name).lower()


def sdk_model(version: str, class_name: str) -> type[Any]:
    module = importlib.import_module(f"{PACKAGES[version]}.generated.models.{_snake(class_name)}")
    return getattr(module, class_name)  # type: ignore[no-any-return]


def structural_properties(version: str, class_name: str) -> set[str]:
    """The JSON names the SDK model deserializes, minus navigation properties (those typed as entities)."""
    model = sdk_model(version, class_name)
    entity = sdk_model(version, "Entity")
    hints: dict[str, str] = {}
    for klass in reversed(model.__mro__):
        hints.update({k: str(v) for k, v in getattr(klass, "__annotations__", {}).items()})
    names = set(model().get_field_deserializers()) - {"@odata.type"}
    navigation = set()
    for name in names:
        inner = re.sub(r"^Optional\[(?:list\[)?(\w+)\]*$", r"\1", hints[_snake(name)])
        if inner[0].isupper() and inner not in ("UUID",):
            try:
                referenced = sdk_model(version, inner)
            except (ModuleNotFoundError, AttributeError):
                continue
            if isinstance(referenced, type) and issubclass(referenced, entity):
                navigation.add(name)
    return names - navigation


def parse(version: str, class_name: str, body: dict[str, Any]) -> Any:
    node = JsonParseNodeFactory().get_root_parse_node("application/json", orjson.dumps(body))
    factory: Any = sdk_model(version, class_name)
    return node.get_object_value(factory)


def assert_sdk_reads_everything(version: str, class_name: str, body: dict[str, Any]) -> None:
    missing = structural_properties(version, class_name) - set(body)
    assert not missing, f"{version} {class_name}: the mock does not return {sorted(missing)}"
    parsed = parse(version, class_name, body)
    unknown = {k for k in parsed.additional_data if not k.startswith("@odata.")}
    assert not unknown, f"{version} {class_name}: the SDK does not know {sorted(unknown)}"
    sent = {name: value for name, value in body.items() if not name.startswith("@odata.") and value is not None}
    lost = [name for name in sent if getattr(parsed, _snake(name)) is None]
    assert not lost, f"{version} {class_name}: the SDK read None for {lost}"


@pytest.fixture
async def shapes(api: Api) -> AsyncIterator[Api]:
    """A tenant with a live connector, an Android and an iOS policy with settings, and the demo devices."""
    await api.live_connector(androidEnabled=True, iosEnabled=True)
    android = {"@odata.type": "#microsoft.graph.androidCompliancePolicy", "displayName": "Android",
               "deviceThreatProtectionEnabled": True, "deviceThreatProtectionRequiredSecurityLevel": "medium",
               "osMinimumVersion": "12.0", "passwordRequired": True, "passwordMinimumLength": 6,
               "restrictedApps": [{"@odata.type": "#microsoft.graph.appListItem", "appId": "com.bad"}]}  # fmt: skip
    ios = {"@odata.type": "#microsoft.graph.iosCompliancePolicy", "displayName": "iOS", "passcodeRequired": True,
           "passcodeRequiredType": "numeric", "osMinimumVersion": "17.0"}  # fmt: skip
    for body in (android, ios):
        await api.call("POST", POLICIES.format("beta"), json=body, status=201)
    yield api


@pytest.mark.parametrize("version", ["v1.0", "beta"])
async def test_the_sdk_model_of_the_connector_finds_every_property_and_reads_each(shapes: Api, version: str) -> None:
    path = f"/{version}/deviceManagement/mobileThreatDefenseConnectors"
    for body in [await shapes.call("GET", f"{path}/{CONNECTOR}"), *(await shapes.call("GET", path))["value"]]:
        assert_sdk_reads_everything(version, "MobileThreatDefenseConnector", body)
    # error comes after v1.0's unknownFutureValue: a v1.0 SDK could not parse it, so it must never get it unasked.
    await shapes.call("PUT", f"/_sim/tenants/{shapes.TENANT}/connectors/{CONNECTOR}/condition", as_="control",
                      json={"condition": "error"})  # fmt: skip
    errored = await shapes.call("GET", f"{path}/{CONNECTOR}")
    assert_sdk_reads_everything(version, "MobileThreatDefenseConnector", errored)


@pytest.mark.parametrize("version", ["v1.0", "beta"])
async def test_the_sdk_model_of_managed_devices_finds_every_property_and_reads_each(shapes: Api, version: str) -> None:
    devices = (await shapes.call("GET", f"/{version}/deviceManagement/managedDevices"))["value"]
    assert len(devices) == 4
    for body in devices:
        assert_sdk_reads_everything(version, "ManagedDevice", body)
    single = await shapes.call("GET", f"/{version}/deviceManagement/managedDevices/{devices[0]['id']}")
    assert_sdk_reads_everything(version, "ManagedDevice", single)


@pytest.mark.parametrize("version", ["v1.0", "beta"])
async def test_the_sdk_models_of_compliance_policies_find_every_property_and_read_each(
    shapes: Api, version: str
) -> None:
    listed = (await shapes.call("GET", POLICIES.format(version)))["value"]
    for body in listed:
        class_name = body["@odata.type"].rpartition(".")[2]
        assert_sdk_reads_everything(version, class_name[0].upper() + class_name[1:], body)
    assert sorted(p["@odata.type"] for p in listed) == ["#microsoft.graph.androidCompliancePolicy",
                                                         "#microsoft.graph.iosCompliancePolicy"]  # fmt: skip


def test_the_v1_sdk_has_no_member_after_unknown_future_value_that_the_mock_would_send() -> None:
    """The evolvable-enum table (domain.evolvable) agrees with the v1.0 SDK: what it hides, the SDK lacks."""
    from simulator.domain.enums import MobileThreatPartnerTenantState
    from simulator.domain.evolvable import V1_AFTER_SENTINEL

    sdk = typing.cast(Any, sdk_model("v1.0", "MobileThreatPartnerTenantState"))
    known = {member.value for member in sdk}
    hidden = {member.value for member in V1_AFTER_SENTINEL[MobileThreatPartnerTenantState]}
    assert hidden.isdisjoint(known)
    assert {m.value for m in MobileThreatPartnerTenantState} - hidden <= known


async def test_the_beta_sdk_client_patches_and_reads_the_newer_connector_properties(api: Api) -> None:
    """msgraph-beta-sdk end to end (its request adapter, Graph's content type) on the newer properties."""
    import httpx
    from kiota_abstractions.authentication import BaseBearerTokenAuthenticationProvider
    from msgraph_beta.generated.models.mobile_threat_defense_connector import MobileThreatDefenseConnector
    from msgraph_beta.graph_request_adapter import GraphRequestAdapter
    from msgraph_beta.graph_service_client import GraphServiceClient

    from tests.routes.test_msgraph_sdk import StaticToken

    await api.connector()
    async with httpx.AsyncClient() as transport:
        bearer = api.admin["Authorization"].removeprefix("Bearer ")
        adapter = GraphRequestAdapter(BaseBearerTokenAuthenticationProvider(StaticToken(bearer)), client=transport)
        adapter.base_url = str(api.client.make_url("/beta"))
        connector = GraphServiceClient(request_adapter=adapter).device_management.mobile_threat_defense_connectors
        by_id = connector.by_mobile_threat_defense_connector_id(CONNECTOR)
        await by_id.patch(MobileThreatDefenseConnector(partner_supports_ios_mam=True,
                                                       partner_minimum_supported_ios_version="16.0"))  # fmt: skip
        read = await by_id.get()
    assert read is not None
    assert (read.partner_supports_ios_mam, read.partner_minimum_supported_ios_version) == (True, "16.0")
    assert read.partner_display_name == "Contoso Demo MTD" and read.partner_state is not None
