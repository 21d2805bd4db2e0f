"""managedDevice properties that ``$filter`` and ``$orderby`` read, one accessor each (add a line to add one).

Each reads the same fact as ``graph_devices.managed_device_view`` without building the whole view, so a filter scan
costs a few attribute reads per device. ``CLASS_FIELDS`` are the ones every device of a compliance class shares, so
``$count`` over them is answered from the class counts.
"""

from __future__ import annotations

from collections.abc import Mapping
from datetime import datetime
from typing import Final

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


_DEVICE_FIELDS: tuple[Field[DeviceRow], ...] = (
    Field("id", "string", lambda r: r.device.id),
    Field("azureADDeviceId", "string", lambda r: r.device.azure_ad_device_id),
    Field("operatingSystem", "string", lambda r: r.device.platform.graph_operating_system),
    Field("osVersion", "string", lambda r: r.device.os_version),
    Field("managedDeviceOwnerType", "string", lambda r: r.device.owner_type.value),
    Field("deviceRegistrationState", "string", lambda r: r.device.registration_state.value),
    Field("userPrincipalName", "string", lambda r: r.device.user_principal_name),
    Field("emailAddress", "string", lambda r: r.device.user_principal_name),
    Field("deviceName", "string", lambda r: r.device.device_name),
    Field("model", "string", lambda r: r.device.model),
    Field("manufacturer", "string", lambda r: r.device.manufacturer),
    Field("azureADRegistered", "bool", lambda r: r.device.registered),
    Field("enrolledDateTime", "datetime", lambda r: r.device.enrolled_at),
    Field("lastSyncDateTime", "datetime", _last_sync),
    Field("complianceState", "string", lambda r: r.verdicts.state(r.class_number).value),
    Field("partnerReportedThreatState", "string", _newest_state),
)
FIELDS: Final[Mapping[str, Field[DeviceRow]]] = {f.name: f for f in _DEVICE_FIELDS}

CLASS_FIELDS: Final[Mapping[str, Field[ClassRow]]] = {
    "operatingSystem": Field("operatingSystem", "string", lambda r: Platform(r.key[0]).graph_operating_system),
    "complianceState": Field("complianceState", "string", lambda r: r.verdicts.state(r.number).value),
}
