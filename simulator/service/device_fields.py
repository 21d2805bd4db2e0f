"""managedDevice properties that ``$filter`` and ``$orderby`` read, one accessor each (add a line to add one).

Each reads the same fact as ``graph_devices.managed_device_view`` without building the whole view, so a filter scan
costs a few attribute reads per device. ``CLASS_FIELDS`` are the ones every device of a compliance class shares, so
``$count`` over them is answered from the class counts.
"""

from __future__ import annotations

from collections.abc import Callable, Mapping
from datetime import datetime
from typing import Any, Final

from simulator.domain.device_identity import derived_identity, hardware
from simulator.domain.enums import Platform
from simulator.query.devices import ClassRow, DeviceRow
from simulator.query.fields import Field

__all__ = ["CLASS_FIELDS", "FIELDS"]


def _newest_state(row: DeviceRow) -> str:
    newest = row.tenant.newest_report(row.device.azure_ad_device_id)
    return newest.threat_state.value if newest else "unknown"


def _last_sync(row: DeviceRow) -> datetime:
    newest = row.tenant.newest_report(row.device.azure_ad_device_id)
    return newest.received_at if newest else row.device.enrolled_at


def _explicit_or_upn(name: str) -> Callable[[DeviceRow], Any]:
    """A property enrolment may give explicitly (``extras``) and that is the UPN otherwise."""
    return lambda r: dict(r.device.extras).get(name, r.device.user_principal_name) if r.device.extras \
        else r.device.user_principal_name  # fmt: skip


def _derived(name: str, kind: str = "string") -> Field[DeviceRow]:
    """A cosmetic property computed from the device id at read time (domain.device_identity): ~20x a plain read."""
    return Field(name, kind, lambda r: derived_identity(r.device)[name], cost=20)


_DEVICE_FIELDS: tuple[Field[DeviceRow], ...] = (
    Field("id", "string", lambda r: r.device.id),
    Field("azureADDeviceId", "string", lambda r: r.device.azure_ad_device_id),
    Field("operatingSystem", "string", lambda r: r.device.platform.graph_operating_system),
    Field("osVersion", "string", lambda r: r.device.os_version),
    Field("managedDeviceOwnerType", "string", lambda r: r.device.owner_type.value),
    Field("deviceRegistrationState", "string", lambda r: r.device.registration_state.value),
    Field("userPrincipalName", "string", lambda r: r.device.user_principal_name),
    Field("emailAddress", "string", _explicit_or_upn("emailAddress")),
    Field("manufacturer", "string", lambda r: hardware(r.device)[0], cost=4),
    Field("model", "string", lambda r: hardware(r.device)[1], cost=4),
    Field("deviceName", "string", lambda r: hardware(r.device)[2], cost=4),
    Field("azureADRegistered", "bool", lambda r: r.device.registered),
    Field("enrolledDateTime", "datetime", lambda r: r.device.enrolled_at),
    Field("lastSyncDateTime", "datetime", _last_sync),
    Field("complianceState", "string", lambda r: r.verdicts.state(r.class_number).value),
    Field("partnerReportedThreatState", "string", _newest_state),
    *(_derived(name) for name in ("serialNumber", "imei", "userId", "userDisplayName", "managedDeviceName",
                                  "phoneNumber", "deviceEnrollmentType", "udid", "wiFiMacAddress")),
    _derived("isSupervised", "bool"),
    _derived("isEncrypted", "bool"),
)
FIELDS: Final[Mapping[str, Field[DeviceRow]]] = {f.name: f for f in _DEVICE_FIELDS}

CLASS_FIELDS: Final[Mapping[str, Field[ClassRow]]] = {
    "operatingSystem": Field("operatingSystem", "string", lambda r: Platform(r.key[0]).graph_operating_system),
    "complianceState": Field("complianceState", "string", lambda r: r.verdicts.state(r.number).value),
}
