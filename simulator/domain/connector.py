"""The Mobile Threat Defense connector: every Graph property, and how partnerState follows from it.

Each setting is a snake_case field whose metadata names the Graph property and the API version that has it, so the
Graph view, PATCH handling and the contracts share one list. Field order is Graph's (the beta create example), then
the newer beta properties in msgraph-beta-sdk's order. ``partnerDisplayName`` is read-only: the catalog's name.
"""

from __future__ import annotations

import dataclasses
import functools
from collections.abc import Iterator, Mapping
from dataclasses import dataclass, field
from datetime import datetime, timedelta
from typing import Any, Literal

from simulator.domain.clock import GRAPH_NEVER, format_datetime
from simulator.domain.enums import MobileThreatPartnerTenantState as State
from simulator.domain.enums import Platform
from simulator.domain.evolvable import wire_value
from simulator.errors import InvalidRequest

__all__ = [
    "ApiVersion",
    "Condition",
    "Connector",
    "apply_connector_patch",
    "connector_to_graph",
    "graph_property_names",
    "is_unresponsive",
    "partner_state",
]

ApiVersion = Literal["v1.0", "beta"]
Condition = Literal["unavailable", "error"]
DEFAULT_UNRESPONSIVE_DAYS = 7  # what a live v1.0 capture shows for a fresh connector


def _prop(graph: str, api: ApiVersion = "v1.0", default: Any = False) -> Any:
    return field(default=default, metadata={"graph": graph, "api": api})


@dataclass(frozen=True, slots=True)
class Connector:
    id: str
    android_mam_enabled: bool = _prop("androidMobileApplicationManagementEnabled")
    ios_mam_enabled: bool = _prop("iosMobileApplicationManagementEnabled")
    windows_mam_enabled: bool = _prop("windowsMobileApplicationManagementEnabled", "beta")
    android_enabled: bool = _prop("androidEnabled")
    ios_enabled: bool = _prop("iosEnabled")
    windows_enabled: bool = _prop("windowsEnabled")
    mac_enabled: bool = _prop("macEnabled", "beta")
    android_blocked_on_missing_data: bool = _prop("androidDeviceBlockedOnMissingPartnerData")
    ios_blocked_on_missing_data: bool = _prop("iosDeviceBlockedOnMissingPartnerData")
    windows_blocked_on_missing_data: bool = _prop("windowsDeviceBlockedOnMissingPartnerData")
    mac_blocked_on_missing_data: bool = _prop("macDeviceBlockedOnMissingPartnerData", "beta")
    unsupported_os_blocked: bool = _prop("partnerUnsupportedOsVersionBlocked")
    unresponsive_days: int = _prop("partnerUnresponsivenessThresholdInDays", default=DEFAULT_UNRESPONSIVE_DAYS)
    allow_ios_app_metadata: bool = _prop("allowPartnerToCollectIOSApplicationMetadata")
    allow_ios_personal_app_metadata: bool = _prop("allowPartnerToCollectIOSPersonalApplicationMetadata")
    defender_attach_enabled: bool = _prop("microsoftDefenderForEndpointAttachEnabled")
    allow_ios_certificate_metadata: bool = _prop("allowPartnerToCollectIosCertificateMetadata", "beta")
    allow_ios_personal_certificate_metadata: bool = _prop("allowPartnerToCollectIosPersonalCertificateMetadata", "beta")
    grant_partner_role: bool = _prop("grantMobileThreatDefensePartnerRole", "beta")
    launch_on_setup_enabled: bool = _prop("launchMobileThreatDefensePartnerOnSetupEnabled", "beta")
    minimum_android_version: str | None = _prop("partnerMinimumSupportedAndroidVersion", "beta", None)
    minimum_ios_version: str | None = _prop("partnerMinimumSupportedIosVersion", "beta", None)
    minimum_mac_version: str | None = _prop("partnerMinimumSupportedMacVersion", "beta", None)
    minimum_windows_version: str | None = _prop("partnerMinimumSupportedWindowsVersion", "beta", None)
    supports_android_mam: bool = _prop("partnerSupportsAndroidMam", "beta")
    supports_ios_certificate_sync: bool = _prop("partnerSupportsIosCertificateSync", "beta")
    supports_ios_mam: bool = _prop("partnerSupportsIosMam", "beta")
    supports_windows_mam: bool = _prop("partnerSupportsWindowsMam", "beta")
    partner_display_name: str = ""
    last_heartbeat: datetime | None = None
    condition: Condition | None = None

    def enabled_for(self, platform: Platform) -> bool:
        return self.android_enabled if platform is Platform.android else self.ios_enabled

    def minimum_version(self, platform: Platform) -> str | None:
        """The partner's minimum supported OS version the admin (or partner) set on the connector, if any."""
        return self.minimum_android_version if platform is Platform.android else self.minimum_ios_version

    def blocks_on_missing_data(self, platform: Platform) -> bool:
        if platform is Platform.android:
            return self.android_blocked_on_missing_data
        return self.ios_blocked_on_missing_data

    @property
    def any_platform_enabled(self) -> bool:
        """Any compliance or app-protection platform toggle (the "Enabled" status needs one, modelled)."""
        # Spelled out rather than looped over field names: partner_state runs on every partner request.
        return (self.android_enabled or self.ios_enabled or self.windows_enabled or self.mac_enabled
                or self.android_mam_enabled or self.ios_mam_enabled or self.windows_mam_enabled)


def _settings() -> Iterator[dataclasses.Field[Any]]:
    return (f for f in dataclasses.fields(Connector) if "graph" in f.metadata)


_BY_GRAPH_NAME: Mapping[str, dataclasses.Field[Any]] = {f.metadata["graph"]: f for f in _settings()}
_READ_ONLY = ("lastHeartbeatDateTime", "partnerState")
_BETA_READ_ONLY = ("partnerDisplayName",)
_IGNORED_ON_WRITE = frozenset({*_READ_ONLY, *_BETA_READ_ONLY, "@odata.type", "id"})


def graph_property_names(api: ApiVersion) -> tuple[str, ...]:
    """The connector's Graph properties for ``api``, in Graph's order, read-only ones first."""
    names = [name for name, f in _BY_GRAPH_NAME.items() if api == "beta" or f.metadata["api"] == "v1.0"]
    return (*_READ_ONLY, *names)


def is_unresponsive(connector: Connector, now: datetime) -> bool:
    """No heartbeat for *more than* the threshold: exactly N days is still responsive."""
    if connector.last_heartbeat is None:
        return False
    return now - connector.last_heartbeat > _threshold(connector.unresponsive_days)


@functools.lru_cache(maxsize=64)
def _threshold(days: int) -> timedelta:
    """Cached: building a timedelta costs more than the rest of partner_state, which runs on every partner call."""
    # Graph allows any Int32; timedelta stops at +-999,999,999 days, which no heartbeat gap can exceed anyway.
    return timedelta(days=max(-timedelta.max.days, min(days, timedelta.max.days)))


def partner_state(connector: Connector, now: datetime) -> State:
    """DESIGN 4.1: a control-API condition wins, then notSetUp, unresponsive, enabled, available."""
    if connector.condition is not None:
        return State(connector.condition)
    if connector.last_heartbeat is None:
        return State.notSetUp
    if is_unresponsive(connector, now):
        return State.unresponsive
    return State.enabled if connector.any_platform_enabled else State.available


def connector_to_graph(
    connector: Connector, now: datetime, api: ApiVersion, include_unknown_enums: bool = False
) -> dict[str, Any]:
    """The Graph entity; ``include_unknown_enums`` is the caller's ``Prefer: include-unknown-enum-members``."""
    body: dict[str, Any] = {"@odata.type": "#microsoft.graph.mobileThreatDefenseConnector", "id": connector.id}
    heartbeat = connector.last_heartbeat
    body["lastHeartbeatDateTime"] = format_datetime(heartbeat) if heartbeat else GRAPH_NEVER
    body["partnerState"] = wire_value(partner_state(connector, now), api, include_unknown_enums)
    if api == "beta":
        body["partnerDisplayName"] = connector.partner_display_name
    for name in graph_property_names(api)[len(_READ_ONLY) :]:
        body[name] = getattr(connector, _BY_GRAPH_NAME[name].name)
    return body


def apply_connector_patch(connector: Connector, patch: Mapping[str, Any], api: ApiVersion = "beta") -> Connector:
    """Apply a Graph body (camelCase keys). Read-only properties are ignored, as Graph's own examples send them."""
    changes: dict[str, Any] = {}
    allowed = graph_property_names(api)
    for name, value in patch.items():
        if name in _IGNORED_ON_WRITE:
            continue
        if name not in allowed:
            raise InvalidRequest(
                "invalidRequest", f"unknown property {name!r} for the {api} connector", target=f"/{name}"
            )
        f = _BY_GRAPH_NAME[name]
        if isinstance(value, float) and value.is_integer() and isinstance(f.default, int) \
                and not isinstance(f.default, bool):
            value = int(value)  # 7.0 is an integer in JSON (and in JSON Schema, which the contract let through)
        _check_type(name, value, f.default)
        changes[f.name] = value
    return dataclasses.replace(connector, **changes)


def _check_type(name: str, value: Any, default: Any) -> None:
    """The value's type must be the field's: its default says which (bool, Int32, or a nullable string)."""
    if default is None:
        ok, expected = value is None or (isinstance(value, str) and len(value) <= 64), "a string (at most 64) or null"
    elif isinstance(default, bool):
        ok, expected = isinstance(value, bool), "a Boolean"
    else:
        ok = isinstance(value, int) and not isinstance(value, bool) and 0 <= value <= 2_147_483_647
        expected = "a non-negative Int32"
    if not ok:
        raise InvalidRequest("invalidRequest", f"{name} must be {expected}", target=f"/{name}")
