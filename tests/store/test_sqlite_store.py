from __future__ import annotations

from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any

import pytest

from simulator.domain.clock import with_nanoseconds
from simulator.domain.devices import EnrolledDevice, InstalledApp, ThreatReport
from simulator.domain.enums import ManagedDevicePartnerReportedHealthState as Health
from simulator.domain.enums import Platform
from simulator.domain.report_book import ReportBook
from simulator.service.settings import Settings
from simulator.service.state import JournalEntry, ServiceState, Violation
from simulator.store.capture import capture, capture_changes
from simulator.store.codec import codec_for
from simulator.store.snapshot import apply_snapshot, decode_journal_row, snapshot_document
from simulator.store.sqlite import SqliteStore

NOW = datetime(2026, 11, 25, 10, 0, 0, 123456, tzinfo=UTC)
TENANT = "00000000-0000-4000-8000-000000000001"


def _state() -> ServiceState:
    return ServiceState(Settings(seed=3, clock_start=NOW, clock_ticking=False, journal_size=5, violations_size=3))


def _device(n: int) -> EnrolledDevice:
    return EnrolledDevice(id=f"intune-{n}", azure_ad_device_id=f"aad-{n}", platform=Platform.ios, os_version="17.4",
                          enrolled_at=NOW, apps=(InstalledApp("com.x", "X", "1.0", "1.0", is_managed=True),))


def _report(n: int, connector: str = "c1", state: Health = Health.lowSeverity) -> ThreatReport:
    return ThreatReport(connector, f"aad-{n}", Platform.ios, "17.4", state, NOW + timedelta(minutes=n), NOW, 1)


def _same(document: dict[str, Any]) -> dict[str, Any]:
    return {key: value for key, value in document.items() if key != "takenAt"}


def _journal(state: ServiceState, n: int) -> None:
    for i in range(n):
        state.journal.append((NOW, "GET", "/x", "/x", 200, 0.5, f"r-{state.journal.total}-{i}", None, None, None,
                              None, f"client-{i}"))  # fmt: skip


def test_a_journal_row_saved_before_a_field_was_added_gets_its_default() -> None:
    row = decode_journal_row([NOW.isoformat(), "GET", "/x", "/x", 200, 0.5, "r", None, None, None, None])
    assert JournalEntry._make(row).client_request_id is None


def test_records_come_back_from_the_codec_equal_to_what_went_in() -> None:
    device, report = _device(1), _report(1, state=Health.compromised)
    assert codec_for(EnrolledDevice).decode(codec_for(EnrolledDevice).encode(device)) == device
    assert codec_for(ThreatReport).decode(codec_for(ThreatReport).encode(report)) == report
    violation = Violation("contractViolation", "m", "POST /r", "2026-11-25T10:00:00Z", "/a", "client")
    assert codec_for(Violation).decode(codec_for(Violation).encode(violation)) == violation


def test_a_report_time_keeps_its_nanoseconds_through_the_codec() -> None:
    # Graph writes seven fractional digits; a restart that cut them would turn a retry into a "newer" report.
    precise = with_nanoseconds("2026-11-25T10:00:00.1234567Z", NOW)
    report = _report(1)._replace(reported_at=precise)
    restored = codec_for(ThreatReport).decode(codec_for(ThreatReport).encode(report))
    assert restored.reported_at == precise
    assert getattr(restored.reported_at, "nanosecond", 0) == 700
    assert restored.reported_at > NOW  # 700 ns after NOW, which has the same microseconds


def test_a_state_directory_reads_back_the_state_of_its_last_checkpoint(tmp_path: Path) -> None:
    state = _state()
    tenant = state.tenants[TENANT]
    tenant.enroll(_device(1))
    tenant.reports[("c1", "aad-1")] = _report(1)
    _journal(state, 3)
    state.record_violation(Violation("retryAfterNotHonoured", "too early", "POST /r", "2026-11-25T10:00:00Z"))
    state.traffic.reports_accepted = 7
    store = SqliteStore(tmp_path)
    store.write(capture(state))
    tenant.enroll(_device(2))
    tenant.reports[("c1", "aad-2")] = _report(2)
    tenant.reports[("c1", "aad-1")] = _report(1, state=Health.highSeverity)
    del tenant.reports[("c1", "aad-2")]
    _journal(state, 4)  # past the ring's size of 5: the oldest rows go
    state.clock.advance(timedelta(days=2))
    final = capture(state)
    store.write(final)
    store.close()
    reopened = SqliteStore(tmp_path)
    document = reopened.load()
    assert document is not None
    assert _same(document) == _same(snapshot_document(final))
    assert document["journal"]["total"] == 7 and len(document["journal"]["rows"]) == 5
    restored = _state()
    apply_snapshot(restored, document)
    assert restored.tenants[TENANT].devices == tenant.devices
    assert restored.tenants[TENANT].reports == tenant.reports
    assert list(restored.journal) == list(state.journal) and restored.journal.total == 7
    assert restored.clock.now() == state.clock.now() and restored.traffic.reports_accepted == 7


def test_a_state_directory_keeps_a_report_times_nanoseconds(tmp_path: Path) -> None:
    state = _state()
    tenant = state.tenants[TENANT]
    tenant.enroll(_device(1))
    precise = with_nanoseconds("2026-11-25T10:00:00.1234567Z", NOW)
    tenant.reports[("c1", "aad-1")] = _report(1)._replace(reported_at=precise)
    store = SqliteStore(tmp_path)
    store.write(capture(state))
    store.close()
    document = SqliteStore(tmp_path).load()
    assert document is not None
    restored = _state()
    apply_snapshot(restored, document)
    report = restored.tenants[TENANT].report("c1", "aad-1")
    assert report is not None and getattr(report.reported_at, "nanosecond", 0) == 700


def test_a_restored_server_with_the_same_seed_hands_out_request_ids_it_never_gave_before() -> None:
    state = _state()
    given = set()
    for _ in range(4):  # ids are seeded: a restart with the same seed would start the same sequence again
        given.add(state.next_request_id())
        state.status_counts[200] += 1
    restored = _state()
    apply_snapshot(restored, snapshot_document(capture(state)))
    assert {restored.next_request_id() for _ in range(10)}.isdisjoint(given)


def test_a_checkpoint_writes_only_what_changed_since_the_previous_one(tmp_path: Path) -> None:
    state = _state()
    tenant = state.tenants[TENANT]
    for n in range(100):
        tenant.enroll(_device(100 + n))
        tenant.reports[("c1", f"aad-{100 + n}")] = _report(100 + n)
    store = SqliteStore(tmp_path)
    assert store.write(capture_changes(state, everything=True)) > 200
    tenant.reports[("c1", "aad-150")] = _report(150, state=Health.mediumSeverity)
    assert store.write(capture_changes(state)) == 2  # the one report, and the instance-wide row
    tenant.reports.pop(("c1", "aad-151"))
    assert store.write(capture_changes(state)) == 2
    assert store.write(capture_changes(state)) == 1
    document = store.load()
    assert document is not None
    assert _same(document) == _same(snapshot_document(capture(state)))


def test_a_tenant_whose_dicts_were_replaced_is_written_whole(tmp_path: Path) -> None:
    state = _state()
    tenant = state.tenants[TENANT]
    tenant.reports[("c1", "aad-1")] = _report(1)
    tenant.reports[("c2", "aad-1")] = _report(1, connector="c2")
    store = SqliteStore(tmp_path)
    store.write(capture_changes(state, everything=True))
    tenant.reports = ReportBook((k, r) for k, r in tenant.reports.items() if k[0] != "c2")
    store.write(capture_changes(state))
    document = store.load()
    assert document is not None
    assert [r["connector_id"] for r in document["tenants"][0]["reports"]] == ["c1"]


def test_the_reports_of_a_deleted_connector_leave_the_state_file_in_an_incremental_write(tmp_path: Path) -> None:
    state = _state()
    tenant = state.tenants[TENANT]
    for n in (1, 2):
        tenant.reports[("c1", f"aad-{n}")] = _report(n)
        tenant.reports[("c2", f"aad-{n}")] = _report(n, connector="c2")
    store = SqliteStore(tmp_path)
    store.write(capture_changes(state, everything=True))
    assert sorted(tenant.reports.drop_connector("c2")) == ["aad-1", "aad-2"]
    changes = capture_changes(state)
    assert not changes.tenants[0].complete and changes.tenants[0].reports_gone == {("c2", "aad-1"), ("c2", "aad-2")}
    store.write(changes)
    document = store.load()
    assert document is not None
    assert [r["connector_id"] for r in document["tenants"][0]["reports"]] == ["c1", "c1"]


def test_the_first_write_of_a_state_file_refuses_an_incremental_capture(tmp_path: Path) -> None:
    state = _state()
    capture_changes(state)  # starts tracking: the next capture is incremental
    store = SqliteStore(tmp_path)
    assert store.needs_everything
    with pytest.raises(ValueError, match="complete tenants"):
        store.write(capture_changes(state))
    assert store.write(capture_changes(state, everything=store.needs_everything)) > 1


def test_a_reset_and_a_removed_tenant_are_written_too(tmp_path: Path) -> None:
    state = _state()
    state.add_tenant("t-2", "Two").enroll(_device(9))
    _journal(state, 2)
    store = SqliteStore(tmp_path)
    store.write(capture(state))
    state.reset()  # back to the configured demo tenant, journal cleared
    _journal(state, 1)
    store.write(capture(state))
    document = store.load()
    assert document is not None
    assert [t["id"] for t in document["tenants"]] == [TENANT]
    assert document["journal"]["total"] == 1 and len(document["journal"]["rows"]) == 1


def test_a_new_state_directory_has_nothing_to_restore(tmp_path: Path) -> None:
    assert SqliteStore(tmp_path / "new").load() is None


def test_a_restored_store_continues_with_a_diff_not_a_rewrite(tmp_path: Path) -> None:
    state = _state()
    for n in range(50):
        state.tenants[TENANT].enroll(_device(n))
    SqliteStore(tmp_path).write(capture(state))
    store = SqliteStore(tmp_path)
    document = store.load()
    assert document is not None
    restored = _state()
    apply_snapshot(restored, document)
    store.mark_written(capture_changes(restored))
    assert store.write(capture_changes(restored)) == 1
    assert restored.tenants[TENANT].devices["aad-7"]._asdict() == _device(7)._asdict()


def test_a_checkpoint_of_a_tracked_tenant_carries_only_its_changes() -> None:
    state = _state()
    tenant = state.tenants[TENANT]
    for n in range(20):
        tenant.enroll(_device(n))
    first = capture_changes(state)
    assert first.tenants[0].complete and len(first.tenants[0].devices) == 20 + 4  # the demo tenant's four too
    tenant.enroll(_device(99))
    tenant.reports[("c1", "aad-3")] = _report(3)
    quiet = capture_changes(state)
    (shot,) = quiet.tenants
    assert not shot.complete
    assert list(shot.devices) == ["aad-99"] and list(shot.reports) == [("c1", "aad-3")]
    assert capture_changes(state).tenants[0].devices == {}
