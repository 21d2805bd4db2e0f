"""Enrolled devices, their installed iOS apps, and the threat reports partners send about them."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime
from typing import Any, NamedTuple

from simulator.domain.clock import format_datetime
from simulator.domain.enums import (
    DeviceRegistrationState,
    ManagedDeviceOwnerType,
    ManagedDevicePartnerReportedHealthState,
    Platform,
)

__all__ = ["EnrolledDevice", "InstalledApp", "StoredReport", "ThreatReport", "as_threat_report"]


@dataclass(frozen=True, slots=True)
class InstalledApp:
    """One entry of an iOS device's installed-application list, as App Sync hands it to partners (modelled names)."""

    bundle_id: str
    name: str
    version: str
    short_version: str
    bundle_size: int = 0
    dynamic_size: int = 0
    is_managed: bool = False
    is_ad_hoc_code_signed: bool = False
    is_app_store_vendable: bool = True
    is_beta_app: bool = False
    is_device_based_vpp: bool = False
    is_validated: bool = True

    def to_wire(self) -> dict[str, Any]:
        return {
            "bundleId": self.bundle_id,
            "version": self.version,
            "shortVersion": self.short_version,
            "name": self.name,
            "bundleSize": self.bundle_size,
            "dynamicSize": self.dynamic_size,
            "isAdHocCodeSigned": self.is_ad_hoc_code_signed,
            "isAppStoreVendable": self.is_app_store_vendable,
            "isBetaApp": self.is_beta_app,
            "isDeviceBasedVpp": self.is_device_based_vpp,
            "isValidated": self.is_validated,
            "isManaged": self.is_managed,
        }

    @classmethod
    def from_wire(cls, data: dict[str, Any]) -> InstalledApp:
        return cls(
            bundle_id=data["bundleId"],
            name=data.get("name", data["bundleId"]),
            version=data.get("version", "1.0"),
            short_version=data.get("shortVersion", data.get("version", "1.0")),
            bundle_size=data.get("bundleSize", 0),
            dynamic_size=data.get("dynamicSize", 0),
            is_managed=data.get("isManaged", False),
            is_ad_hoc_code_signed=data.get("isAdHocCodeSigned", False),
            is_app_store_vendable=data.get("isAppStoreVendable", True),
            is_beta_app=data.get("isBetaApp", False),
            is_device_based_vpp=data.get("isDeviceBasedVpp", False),
            is_validated=data.get("isValidated", True),
        )


class EnrolledDevice(NamedTuple):
    """A device enrolled in Intune. ``azure_ad_device_id`` is the key partners use (app config MDMDeviceID).

    A NamedTuple rather than a frozen dataclass, as ThreatReport: the control API enrolls a million of these in
    batches of 10,000, and a frozen slotted dataclass costs 1.6 us to construct (an ``object.__setattr__`` call per
    field) where this costs 0.3. It is just as immutable.
    """

    id: str
    azure_ad_device_id: str
    platform: Platform
    os_version: str
    enrolled_at: datetime
    owner_type: ManagedDeviceOwnerType = ManagedDeviceOwnerType.company
    registration_state: DeviceRegistrationState = DeviceRegistrationState.registered
    user_principal_name: str = ""
    device_name: str = ""
    manufacturer: str = ""
    model: str = ""
    apps: tuple[InstalledApp, ...] = ()
    # Graph properties the enrolment set explicitly (domain.device_identity.EXPLICIT); the rest is derived when
    # viewed. One shared empty tuple by default: a million devices pay one pointer each, not a dict each.
    extras: tuple[tuple[str, Any], ...] = ()

    @property
    def registered(self) -> bool:
        """The classic CA rule: only Azure AD registered devices have an id partners can report against."""
        return self.registration_state is DeviceRegistrationState.registered

    def to_partner_wire(self) -> dict[str, Any]:
        # ``_value_`` rather than ``value``: the property is a Python call, and enrolment answers 10,000 of these
        # per request (docs/architecture.md, "Device inventory").
        return {
            "azureADDeviceId": self.azure_ad_device_id,
            "platform": self.platform._value_,
            "osVersion": self.os_version,
            "ownerType": self.owner_type._value_,
            "userPrincipalName": self.user_principal_name,
            "deviceRegistrationState": self.registration_state._value_,
        }


class ThreatReport(NamedTuple):
    """The newest accepted report from one connector about one device.

    A NamedTuple rather than a frozen dataclass: one is built per accepted report on the ingest hot path, and a
    frozen slotted dataclass costs three times as much to construct. It is just as immutable.
    """

    connector_id: str
    azure_ad_device_id: str
    platform: Platform
    os_version: str
    threat_state: ManagedDevicePartnerReportedHealthState
    reported_at: datetime
    received_at: datetime
    threat_count: int = 0

    def describe(self) -> str:
        return f"{self.threat_state.value} reported {format_datetime(self.reported_at)}"


# How a tenant keeps a report (Tenant.reports): ThreatReport's fields in order, as a plain tuple. Ingest replaces one
# per accepted report, and a tuple costs 41 ns to build and replace where the NamedTuple costs 147 (~0.1 ms of a
# 1000-report batch); a ThreatReport is one too, so restored reports are kept as they come.
StoredReport = tuple[str, str, Platform, str, ManagedDevicePartnerReportedHealthState, datetime, datetime, int]


def as_threat_report(stored: StoredReport) -> ThreatReport:
    """A stored report with its field names, for everything but the ingest loop."""
    return stored if isinstance(stored, ThreatReport) else ThreatReport._make(stored)
