"""What a tenant's state says about a partner's session (pure: reads the domain, no I/O): per connector, which
enrolled devices it reported about within a window, how old its reports were on arrival, and what it could not
have reported about (unregistered devices, platforms it has not enabled)."""

from __future__ import annotations

from datetime import datetime, timedelta
from typing import Any

from simulator.domain.clock import format_datetime
from simulator.domain.connector import Connector, partner_state
from simulator.domain.enums import DeviceRegistrationState, Platform
from simulator.domain.tenant import Tenant

__all__ = ["EXAMPLES", "tenant_evidence"]

EXAMPLES = 10  # examples per finding: enough to act on, bounded for a million-device tenant


def tenant_evidence(tenant: Tenant, now: datetime, window: timedelta, max_age: timedelta) -> dict[str, Any]:
    return {
        "id": tenant.id,
        "displayName": tenant.display_name,
        "connectors": [_connector(tenant, c, now, window, max_age) for c in tenant.connectors.values()],
    }


def _connector(
    tenant: Tenant, connector: Connector, now: datetime, window: timedelta, max_age: timedelta
) -> dict[str, Any]:
    platforms = [p for p in (Platform.android, Platform.ios) if connector.enabled_for(p)]
    expected = gaps = unregistered = disabled = stored = old = 0
    gap_examples: list[dict[str, Any]] = []
    old_examples: list[dict[str, Any]] = []
    for device in tenant.devices.values():
        registered = device.registration_state is DeviceRegistrationState.registered
        unregistered += not registered
        if device.platform not in platforms:
            disabled += 1
            continue
        report = tenant.report(connector.id, device.azure_ad_device_id)
        if report is not None:
            stored += 1
            age = report.received_at - report.reported_at
            if age > max_age:
                old += 1
                if len(old_examples) < EXAMPLES:
                    old_examples.append({"azureADDeviceId": device.azure_ad_device_id,
                                         "reportedDateTime": format_datetime(report.reported_at),
                                         "receivedDateTime": format_datetime(report.received_at)})  # fmt: skip
        if not registered:
            continue
        expected += 1
        if report is None or now - report.received_at > window:
            gaps += 1
            if len(gap_examples) < EXAMPLES:
                last = format_datetime(report.received_at) if report is not None else None
                gap_examples.append({"azureADDeviceId": device.azure_ad_device_id, "platform": device.platform.value,
                                     "lastReceivedDateTime": last})  # fmt: skip
    return {
        "id": connector.id,
        "partnerState": partner_state(connector, now).value,
        "lastHeartbeatDateTime": format_datetime(connector.last_heartbeat) if connector.last_heartbeat else None,
        "partnerUnresponsivenessThresholdInDays": connector.unresponsive_days,
        "enabledPlatforms": [p.value for p in platforms],
        "devicesExpected": expected,
        "devicesMissing": gaps,
        "missingExamples": gap_examples,
        "unregisteredDevices": unregistered,
        "devicesOnDisabledPlatforms": disabled,
        "reportsStored": stored,
        "reportsOlderThanMaxAge": old,
        "oldReportExamples": old_examples,
    }
