from __future__ import annotations

import dataclasses
from datetime import UTC, datetime, timedelta

import pytest

from simulator.domain import CATALOG, Connector, connector_to_graph, find_partner, partner_state
from simulator.domain.connector import ApiVersion, apply_connector_patch, graph_property_names, is_unresponsive
from simulator.domain.enums import MobileThreatPartnerTenantState as State
from simulator.errors import InvalidRequest, NotFound

NOW = datetime(2026, 11, 25, 10, 0, tzinfo=UTC)

V1_PROPERTIES = {
    "allowPartnerToCollectIOSApplicationMetadata", "allowPartnerToCollectIOSPersonalApplicationMetadata",
    "androidDeviceBlockedOnMissingPartnerData", "androidEnabled", "androidMobileApplicationManagementEnabled",
    "iosDeviceBlockedOnMissingPartnerData", "iosEnabled", "iosMobileApplicationManagementEnabled",
    "lastHeartbeatDateTime", "microsoftDefenderForEndpointAttachEnabled", "partnerState",
    "partnerUnresponsivenessThresholdInDays", "partnerUnsupportedOsVersionBlocked",
    "windowsDeviceBlockedOnMissingPartnerData", "windowsEnabled",
}  # fmt: skip
BETA_ONLY = {
    "macEnabled", "macDeviceBlockedOnMissingPartnerData", "windowsMobileApplicationManagementEnabled",
    "allowPartnerToCollectIosCertificateMetadata", "allowPartnerToCollectIosPersonalCertificateMetadata",
    "grantMobileThreatDefensePartnerRole", "launchMobileThreatDefensePartnerOnSetupEnabled",
    "partnerMinimumSupportedAndroidVersion", "partnerMinimumSupportedIosVersion", "partnerMinimumSupportedMacVersion",
    "partnerMinimumSupportedWindowsVersion", "partnerSupportsAndroidMam", "partnerSupportsIosCertificateSync",
    "partnerSupportsIosMam", "partnerSupportsWindowsMam",
}  # fmt: skip


def test_partners_are_found_by_key_display_name_or_connector_id() -> None:
    lookout = CATALOG["lookout"]
    assert find_partner("Lookout for Work") is lookout
    assert find_partner("2c7790de-8b02-4814-85cf-e0c59380dee8") is lookout
    assert (lookout.min_android, lookout.min_ios) == ("5.0", "12")
    assert CATALOG["jamf"].min_ios == "15.6"


def test_an_unknown_partner_names_the_known_ones() -> None:
    with pytest.raises(NotFound, match="known partners: demo"):
        find_partner("kaspersky")


def test_v1_connector_has_exactly_the_v1_csdl_properties() -> None:
    body = connector_to_graph(Connector(id="x"), NOW, "v1.0")
    assert set(body) - {"@odata.type", "id"} == V1_PROPERTIES


def test_beta_connector_adds_exactly_the_beta_properties_in_graph_order() -> None:
    names = graph_property_names("beta")
    assert set(names) == V1_PROPERTIES | BETA_ONLY
    assert names[:4] == ("lastHeartbeatDateTime", "partnerState", "androidMobileApplicationManagementEnabled",
                         "iosMobileApplicationManagementEnabled")  # fmt: skip
    assert names[-1] == "partnerSupportsWindowsMam"


def test_a_fresh_connector_looks_like_graph_never_heard_from_it() -> None:
    body = connector_to_graph(Connector(id="x"), NOW, "v1.0", include_unknown_enums=True)
    assert body["partnerState"] == "notSetUp"
    assert body["lastHeartbeatDateTime"] == "0001-01-01T00:00:00Z"
    assert body["partnerUnresponsivenessThresholdInDays"] == 7


def test_state_moves_from_not_set_up_to_available_to_enabled() -> None:
    connector = Connector(id="x")
    assert partner_state(connector, NOW) is State.notSetUp
    connector = Connector(id="x", last_heartbeat=NOW)
    assert partner_state(connector, NOW) is State.available
    connector = apply_connector_patch(connector, {"iosEnabled": True})
    assert partner_state(connector, NOW) is State.enabled


def test_partner_is_unresponsive_only_after_more_than_the_threshold() -> None:
    connector = Connector(id="x", last_heartbeat=NOW, android_enabled=True, unresponsive_days=3)
    exactly = NOW + timedelta(days=3)
    assert not is_unresponsive(connector, exactly)
    assert partner_state(connector, exactly) is State.enabled
    assert partner_state(connector, exactly + timedelta(seconds=1)) is State.unresponsive


def test_a_condition_set_through_the_control_api_wins() -> None:
    connector = Connector(id="x", last_heartbeat=NOW, android_enabled=True, condition="error")
    assert partner_state(connector, NOW) is State.error
    assert partner_state(Connector(id="x", last_heartbeat=NOW, condition="unavailable"), NOW) is State.unavailable


def test_patch_ignores_read_only_properties_and_applies_settings() -> None:
    patched = apply_connector_patch(Connector(id="x"), {"partnerState": "enabled", "androidEnabled": True,
                                                        "partnerUnresponsivenessThresholdInDays": 2})  # fmt: skip
    assert patched.android_enabled and patched.unresponsive_days == 2
    assert patched.last_heartbeat is None


def test_patch_refuses_beta_properties_on_v1() -> None:
    with pytest.raises(InvalidRequest) as caught:
        apply_connector_patch(Connector(id="x"), {"macEnabled": True}, "v1.0")
    assert caught.value.target == "/macEnabled"


WRONG_TYPES = [
    ("androidEnabled", "yes"),
    ("partnerUnresponsivenessThresholdInDays", True),
    ("partnerUnresponsivenessThresholdInDays", -1),
]


@pytest.mark.parametrize(("name", "value"), WRONG_TYPES)
def test_patch_refuses_wrong_types_with_a_pointer(name: str, value: object) -> None:
    with pytest.raises(InvalidRequest) as caught:
        apply_connector_patch(Connector(id="x"), {name: value})
    assert caught.value.target == f"/{name}"


def test_the_largest_int32_threshold_means_never_unresponsive() -> None:
    connector = Connector(id="x", last_heartbeat=NOW, android_enabled=True, unresponsive_days=2_147_483_647)
    assert partner_state(connector, NOW + timedelta(days=36500)) is State.enabled


def test_the_smallest_int32_threshold_means_unresponsive_at_once() -> None:
    connector = Connector(id="x", last_heartbeat=NOW, android_enabled=True, unresponsive_days=-2_147_483_648)
    assert partner_state(connector, NOW) is State.unresponsive


@pytest.mark.parametrize(
    ("api", "prefer", "wire"),
    [("v1.0", False, "unknownFutureValue"), ("v1.0", True, "notSetUp"), ("beta", False, "notSetUp")],
)
def test_v1_hides_members_after_unknown_future_value_unless_the_caller_prefers_them(
    api: ApiVersion, prefer: bool, wire: str
) -> None:
    assert connector_to_graph(Connector(id="x"), NOW, api, include_unknown_enums=prefer)["partnerState"] == wire


def test_v1_keeps_the_members_before_the_sentinel() -> None:
    connector = Connector(id="x", last_heartbeat=NOW, ios_enabled=True)
    assert connector_to_graph(connector, NOW, "v1.0")["partnerState"] == "enabled"
    errored = dataclasses.replace(connector, condition="error")
    assert connector_to_graph(errored, NOW, "v1.0")["partnerState"] == "unknownFutureValue"


def test_beta_patch_takes_the_newer_properties_with_their_types() -> None:
    patched = apply_connector_patch(Connector(id="x"), {"partnerMinimumSupportedIosVersion": "16.0",
                                                       "partnerSupportsIosMam": True}, "beta")  # fmt: skip
    assert (patched.minimum_ios_version, patched.supports_ios_mam) == ("16.0", True)
    with pytest.raises(InvalidRequest):
        apply_connector_patch(Connector(id="x"), {"partnerMinimumSupportedIosVersion": 16}, "beta")
    with pytest.raises(InvalidRequest):
        apply_connector_patch(Connector(id="x"), {"partnerSupportsIosMam": True}, "v1.0")
