"""The device list's rows and one device's page: report history, compliance with reasons, App Sync, journal."""

from __future__ import annotations

from collections.abc import Iterable
from datetime import datetime
from itertools import islice
from typing import Any

from simulator.dashboard.access import DevicePage, DeviceRow
from simulator.dashboard.timeline import TenantTimeline
from simulator.domain.clock import format_datetime
from simulator.domain.tenant import Tenant
from simulator.service.state import JournalEntry

__all__ = ["device_detail", "device_page"]

HISTORY_SHOWN = 50
JOURNAL_SHOWN = 50


def row_wire(row: DeviceRow) -> dict[str, Any]:
    device = row.device
    return {
        "azureADDeviceId": device.azure_ad_device_id,
        "deviceName": device.device_name,
        "userPrincipalName": device.user_principal_name,
        "platform": device.platform.value,
        "osVersion": device.os_version,
        "ownerType": device.owner_type.value,
        "deviceRegistrationState": device.registration_state.value,
        "complianceState": row.compliance.state.value,
        "partnerReportedThreatState": row.threat_state,
        "lastReportDateTime": format_datetime(row.newest.reported_at) if row.newest else None,
        "blockingRules": row.blocking_rules(),
        "reasons": [r.to_wire() for r in row.compliance.reasons],
    }


def device_page(page: DevicePage, skip: int, top: int) -> dict[str, Any]:
    return {"value": [row_wire(r) for r in page.rows], "matched": page.matched, "scanned": page.scanned,
            "total": page.total, "complete": page.complete, "skip": skip, "top": top}  # fmt: skip


def device_detail(tenant: Tenant, aad_id: str, now: datetime, line: TenantTimeline,
                  journal: Iterable[JournalEntry]) -> dict[str, Any]:  # fmt: skip
    """Everything known about one device (404 through ``tenant.device`` when it is not enrolled)."""
    device = tenant.device(aad_id)
    row = DeviceRow(device, tenant.compliance(aad_id, now), tenant.newest_report(aad_id))
    history = [{"receivedDateTime": format_datetime(batch.at), "connectorId": batch.connector_id,
                "threatState": report.get("threatState"), "reportedDateTime": report.get("reportedDateTime"),
                "threats": len(report.get("threats", ())), "status": "accepted" if outcome.accepted else "rejected",
                "code": outcome.code.value if outcome.code else None}
               for batch, report, outcome in islice(line.history(aad_id), HISTORY_SHOWN)]  # fmt: skip
    stored = [{"connectorId": r.connector_id, "threatState": r.threat_state.value,
               "reportedDateTime": format_datetime(r.reported_at), "receivedDateTime": format_datetime(r.received_at)}
              for cid in tenant.connectors if (r := tenant.report(cid, aad_id))]  # fmt: skip
    requests = [e.to_wire() for e in islice((e for e in journal if e.device == aad_id), JOURNAL_SHOWN)]
    return {
        **row_wire(row),
        "enrolledDateTime": format_datetime(device.enrolled_at),
        "manufacturer": device.manufacturer,
        "model": device.model,
        "storedReports": stored,
        "reportHistory": history,
        "installedApps": [app.to_wire() for app in device.apps],
        "requests": requests,
    }
