"""Certification checks over hand-made evidence: the rules that no console profile reaches."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta
from typing import Any

from simulator.certification import Check, Evidence, certify
from simulator.domain.clock import format_datetime

CONNECTOR = "5a1b0c2d-3e4f-4a5b-8c6d-7e8f9a0b1c2d"
CLIENT = "00000000-0000-4000-8000-0000000000a1"


def connector(**over: Any) -> dict[str, Any]:
    return {"id": CONNECTOR, "partnerState": "enabled", "lastHeartbeatDateTime": "2026-12-03T10:00:00Z",
            "partnerUnresponsivenessThresholdInDays": 7, "enabledPlatforms": ["android"], "devicesExpected": 1,
            "devicesMissing": 0, "missingExamples": [], "unregisteredDevices": 0, "devicesOnDisabledPlatforms": 0,
            "reportsStored": 1, "reportsOlderThanMaxAge": 0, "oldReportExamples": [], **over}  # fmt: skip


def entry(route: str, time: str = "2026-12-03T10:00:00Z", status: int = 200, **over: Any) -> dict[str, Any]:
    return {"time": time, "method": "POST", "route": route, "path": route, "status": status, "tenant": "t",
            "partner": CONNECTOR, "clientId": CLIENT, "device": None, **over}  # fmt: skip


def by_id(journal: list[dict[str, Any]], stats: dict[str, Any] | None = None, **conn: Any) -> dict[str, Check]:
    evidence = Evidence({"now": "2026-12-03T10:00:00Z", "tenants": [{"connectors": [connector(**conn)]}]},
                        stats or {}, [], journal)  # fmt: skip
    return {c.id: c for c in certify(evidence)}


def heartbeats_at(*days: int) -> list[dict[str, Any]]:
    """Heartbeats ``days`` after 2026-11-25T10:00Z; "now" is 8 days after it."""
    start = datetime(2026, 11, 25, 10, tzinfo=UTC)
    return [entry("/partner/v1/heartbeat", format_datetime(start + timedelta(days=d))) for d in days]


def test_a_heartbeat_gap_longer_than_the_threshold_fails_even_if_the_partner_is_back() -> None:
    back = by_id(heartbeats_at(0, 8))["heartbeats"]
    assert back.status == "fail" and back.examples == (f"connector {CONNECTOR}: 8 days, 0:00:00 without a heartbeat "
                                                       "(threshold 7 days)",)  # fmt: skip
    assert by_id(heartbeats_at(0, 7, 8))["heartbeats"].status == "pass"  # exactly the threshold still counts
    assert by_id([])["heartbeats"].examples == (f"connector {CONNECTOR}: never sent a heartbeat (threshold 7 days)",)


def test_one_token_per_request_fails_and_reuse_passes() -> None:
    calls = [entry("/partner/v1/heartbeat") for _ in range(10)]
    token = entry("/{tenantId}/oauth2/v2.0/token", partner=None)
    assert by_id(calls + [token] * 10)["tokensReused"].status == "fail"
    assert by_id(calls + [token] * 2)["tokensReused"].status == "pass"


def test_one_report_per_call_at_fleet_scale_fails_batching() -> None:
    traffic = {"reportBatches": 20, "reportsAccepted": 20, "reportsDuplicate": 0, "reportsRejected": {}}
    assert by_id([], {"traffic": traffic})["batching"].status == "fail"
    traffic["reportsAccepted"] = 40
    assert by_id([], {"traffic": traffic})["batching"].status == "pass"


def test_a_rejection_per_unregistered_device_is_heeded_but_more_are_not() -> None:
    def stats(n: int) -> dict[str, Any]:
        return {"traffic": {"reportsRejected": {"deviceNotRegistered": n}}}

    assert by_id([], stats(2), unregisteredDevices=2)["rejectionsHeeded"].status == "pass"
    assert by_id([], stats(3), unregisteredDevices=2)["rejectionsHeeded"].status == "fail"


def test_checks_with_nothing_to_judge_are_skipped_not_passed() -> None:
    checks = {c.id: c.status for c in certify(Evidence({"now": "2026-12-03T10:00:00Z", "tenants": []}, {}, [], []))}
    assert checks == {"heartbeats": "skipped", "devicesReported": "skipped", "rejectionsHeeded": "skipped",
                      "reportsMatchEnrolment": "skipped", "appSyncAllowed": "skipped", "tokensReused": "skipped",
                      "batching": "skipped", "retryAfterHonoured": "skipped", "reportsFresh": "skipped",
                      "contracts": "pass"}  # fmt: skip


def test_every_check_names_its_source_and_whether_it_is_documented_or_modelled() -> None:
    for check in by_id(heartbeats_at(0)).values():
        assert check.kind in ("documented", "modelled") and check.source and check.title
