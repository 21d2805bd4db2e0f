"""The whole state as one JSON document (``GET /_sim/snapshot``), and that document loaded into a service.

The document is also what a state directory is read back into (``simulator.store.sqlite``), so export, import and
restart share one loader. Its shape is contracts/sim-snapshot.schema.json.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from datetime import datetime
from typing import Any

from simulator.domain.catalog import Partner
from simulator.domain.clock import VirtualClock
from simulator.domain.connector import Connector
from simulator.domain.devices import EnrolledDevice, StoredReport, ThreatReport, as_threat_report
from simulator.domain.policies import ClassicPolicy, CompliancePolicy
from simulator.domain.tenant import Tenant
from simulator.errors import ConfigError, InvalidRequest
from simulator.service.state import AppRegistration, JournalEntry, RequestIds, ServiceState, Violation
from simulator.store.capture import Capture, TenantCapture
from simulator.store.codec import aware_datetime, codec_for
from simulator.store.secrets import decode_keys, install_keys

__all__ = ["FORMAT", "VERSION", "apply_snapshot", "decode_journal_row", "encode_journal_row", "encode_report",
           "snapshot_document", "tenant_header"]

FORMAT = "mtdsim-snapshot"
VERSION = 1
DEVICE = codec_for(EnrolledDevice)
REPORT = codec_for(ThreatReport)


def encode_report(stored: StoredReport) -> dict[str, Any]:
    """A tenant's stored report (a plain tuple, see Tenant.reports) as the snapshot writes it."""
    return REPORT.encode(as_threat_report(stored))
APP = codec_for(AppRegistration)
VIOLATION = codec_for(Violation)


def encode_journal_row(row: tuple[Any, ...]) -> list[Any]:
    """A journal row (JournalEntry's field order) as a JSON array; its first field, the time, as ISO text."""
    return [row[0].isoformat(), *row[1:]]


_JOURNAL_REQUIRED = len(JournalEntry._fields) - len(JournalEntry._field_defaults)


def decode_journal_row(row: list[Any]) -> tuple[Any, ...]:
    """Rows saved before a field was added lack it: they get the field's default."""
    fields = JournalEntry._fields
    if not _JOURNAL_REQUIRED <= len(row) <= len(fields):
        raise InvalidRequest("invalidRequest", f"a journal row has {_JOURNAL_REQUIRED} to {len(fields)} fields",
                             target="/journal/rows")  # fmt: skip
    missing = [JournalEntry._field_defaults[name] for name in fields[len(row):]]
    return (_time(row[0], "/journal/rows"), *row[1:], *missing)


def tenant_header(tenant: TenantCapture) -> dict[str, Any]:
    """Everything of a tenant but its devices and reports: small, rewritten whole when it changes."""
    return {
        "id": tenant.id,
        "displayName": tenant.display_name,
        "customPartners": [codec_for(Partner).encode(p) for p in tenant.custom_partners],
        "connectors": [codec_for(Connector).encode(c) for c in tenant.connectors],
        "policies": [codec_for(CompliancePolicy).encode(p) for p in tenant.policies],
        "classicPolicies": [codec_for(ClassicPolicy).encode(p) for p in tenant.classic_policies],
        "classicCreated": tenant.classic_created,
    }


def snapshot_document(shot: Capture) -> dict[str, Any]:
    """The JSON-ready document of a capture. O(state): run it off the event loop for large fleets."""
    return {
        "format": FORMAT,
        "version": VERSION,
        **globals_document(shot),
        "tenants": [{**tenant_header(t), "devices": [DEVICE.encode(d) for d in t.devices.values()],
                     "reports": list(map(encode_report, t.reports.values()))} for t in shot.tenants],
        "journal": {"total": shot.journal_total, "rows": [encode_journal_row(r) for r in shot.journal_rows]},
        "violations": {"total": shot.violations_total, "items": [VIOLATION.encode(v) for v in shot.violations]},
        "selfCheckFailures": {"total": shot.self_checks_total, "items": list(shot.self_checks)},
    }


def globals_document(shot: Capture) -> dict[str, Any]:
    """The instance-wide part: clock, apps (with their signing keys, so tokens survive a restart), counters."""
    return {
        "takenAt": shot.taken_at,
        "clock": {"now": shot.clock_now.isoformat(), "ticking": shot.clock_ticking},
        "apps": [APP.encode(a) for a in shot.apps],
        "signingKeys": shot.signing_keys,
        "counters": shot.counters,
    }


def apply_snapshot(state: ServiceState, document: Mapping[str, Any]) -> None:
    """Replace everything ``state`` holds with ``document`` (faults and token caches are cleared, as by reset).

    All or nothing: everything is decoded and built first, so a document with a bad record (400) or a repeated
    device (409) leaves the state as it was.
    """
    if document.get("format") != FORMAT or document.get("version") != VERSION:
        raise InvalidRequest("invalidRequest", f"not an {FORMAT} document of version {VERSION}", target="/format")
    clock = document["clock"]
    now = _time(clock["now"], "/clock/now")
    try:
        VirtualClock(now)  # the clock's own range check, before anything changes
    except ConfigError as exc:
        raise InvalidRequest("invalidRequest", exc.message, target="/clock/now") from None
    tenants: dict[str, Tenant] = {}
    for index, data in enumerate(document["tenants"]):
        if data["id"] in tenants:
            raise InvalidRequest("invalidRequest", f"tenant {data['id']} appears twice", target=f"/tenants/{index}/id")
        tenants[data["id"]] = _tenant(data)
    apps = [APP.decode(app) for app in document["apps"]]
    for app in apps:
        if app.tenant_id not in tenants:
            raise InvalidRequest("invalidRequest", f"app {app.client_id} of unknown tenant {app.tenant_id}",
                                 target="/apps")
    keys = decode_keys(document["signingKeys"]) if "signingKeys" in document else None  # older snapshots: none
    journal, violations, checks = document["journal"], document["violations"], document["selfCheckFailures"]
    rows = [decode_journal_row(row) for row in journal["rows"]]
    violation_items = [VIOLATION.decode(v) for v in violations["items"]]
    # Nothing below can fail on the document's content.
    state.reset()
    state.tenants.clear()
    state.tenants.update(tenants)
    state.apps.clear()
    state.apps.update({(app.tenant_id, app.client_id): app for app in apps})
    state.clock.set(now, ticking=clock["ticking"])
    if keys is not None:
        install_keys(state.keys, *keys)
    _load_counters(state, document["counters"])
    state.journal.restore(rows, journal["total"])
    # Every request took an id and was counted by status (rejected ones too), so this many ids were given.
    issued = max(journal["total"], sum(state.status_counts.values()))
    state.next_request_id = RequestIds(state.settings.seed, issued + 1).next
    state.violations.restore(violation_items, violations["total"])
    state.self_check_failures.restore(checks["items"], checks["total"])


def _tenant(data: Mapping[str, Any]) -> Tenant:
    tenant = Tenant(data["id"], data["displayName"])
    for partner in map(codec_for(Partner).decode, data["customPartners"]):
        tenant.partners[partner.connector_id] = partner
    tenant.connectors = _by_id(map(codec_for(Connector).decode, data["connectors"]))
    tenant.policies = _by_id(map(codec_for(CompliancePolicy).decode, data["policies"]))
    tenant.classic_policies = _by_id(map(codec_for(ClassicPolicy).decode, data["classicPolicies"]))
    tenant._classic_created = data["classicCreated"]
    enroll = tenant.enroll
    for device in map(DEVICE.decode, data["devices"]):
        enroll(device)  # through the tenant's own door, so whatever it indexes stays consistent
    reports = tenant.reports
    for report in map(REPORT.decode, data["reports"]):
        if report.azure_ad_device_id not in tenant.devices:
            raise InvalidRequest("invalidRequest", f"a report about {report.azure_ad_device_id}, which is not "
                                 f"enrolled in tenant {tenant.id}", target="/tenants")  # fmt: skip
        reports[(report.connector_id, report.azure_ad_device_id)] = report
    tenant.reindex()  # its inventory and compliance classes, from the devices and reports set here
    return tenant


def _by_id(records: Iterable[Any]) -> dict[str, Any]:
    return {record.id: record for record in records}


def _load_counters(state: ServiceState, counters: Mapping[str, Any]) -> None:
    """In place (reset has cleared them): other parts of the service may hold these objects."""
    state.status_counts.update({int(status): n for status, n in counters["statusCounts"].items()})
    state.tokens_issued = counters["tokensIssued"]
    state.violations_by_code.update(counters["violationsByCode"])
    traffic, wire = state.traffic, counters["traffic"]
    traffic.heartbeats, traffic.report_batches = wire["heartbeats"], wire["reportBatches"]
    traffic.reports_accepted, traffic.reports_duplicate = wire["reportsAccepted"], wire["reportsDuplicate"]
    traffic.reports_rejected.update(wire["reportsRejected"])
    traffic.app_sync_calls = wire["appSyncCalls"]


def _time(text: str, pointer: str) -> datetime:
    try:
        return aware_datetime(text)
    except (ValueError, TypeError):
        raise InvalidRequest("invalidRequest", f"not an ISO 8601 date-time with an offset: {text!r}",
                             target=pointer) from None
