"""The report history keeps request bodies, not parsed reports, and the hour's bucket is found without a lookup:
both must read back exactly what was recorded."""

from __future__ import annotations

import gc
from datetime import UTC, datetime, timedelta
from typing import Any

import orjson
import pytest

from simulator.dashboard import timeline
from simulator.dashboard.timeline import Timeline
from simulator.domain.enums import RejectionCode
from simulator.domain.tenant import ACCEPTED, DUPLICATE, ReportOutcome

NOW = datetime(2026, 11, 25, 10, 30, tzinfo=UTC)
STALE = ReportOutcome(False, RejectionCode.staleReport, "not newer")
A, B = "00000000-0000-4000-8000-00000000000a", "00000000-0000-4000-8000-00000000000b"


def report(device: str, state: str = "secured", **extra: Any) -> dict[str, Any]:
    return {"azureADDeviceId": device, "platform": "android", "osVersion": "14", "threatState": state,
            "reportedDateTime": "2026-11-25T10:00:00Z", **extra}  # fmt: skip


def history(line: Timeline, device: str) -> list[tuple[datetime, str, dict[str, Any], ReportOutcome]]:
    return [(batch.at, batch.connector_id, dict(r), o) for batch, r, o in line.of("t").history(device)]


def record_both_ways(batches: list[tuple[list[dict[str, Any]], list[ReportOutcome]]]) -> tuple[Timeline, Timeline]:
    kept_parsed, kept_bodies = Timeline(), Timeline()
    for minute, (reports, outcomes) in enumerate(batches):
        rejected = sum(not o.accepted for o in outcomes)
        at = NOW + timedelta(minutes=minute)
        kept_parsed.record_reports("t", "c", at, reports, outcomes, rejected)
        body = orjson.dumps({"reports": reports})
        kept_bodies.record_reports("t", "c", at, orjson.loads(body)["reports"], outcomes, rejected, body)
    return kept_parsed, kept_bodies


def test_a_history_kept_as_request_bodies_reads_back_like_the_parsed_reports() -> None:
    batches = [([report(A), report(B)], [ACCEPTED, STALE]), ([report(A, "highSeverity")], [ACCEPTED]),
               ([report(B), report(A, "lowSeverity", threats=[])], [DUPLICATE, ACCEPTED])]  # fmt: skip
    kept_parsed, kept_bodies = record_both_ways(batches)
    for device in (A, B, "00000000-0000-4000-8000-00000000000c"):
        assert history(kept_bodies, device) == history(kept_parsed, device)
    found = history(kept_bodies, B)
    # A batch with no rejection keeps no outcomes: its reports read back as accepted (what the partner was told).
    assert [o for *_, o in found] == [ACCEPTED, STALE]
    assert [o.accepted for *_, o in history(kept_parsed, B)] == [True, False]
    assert kept_bodies.of("t").held_reports == kept_parsed.of("t").held_reports == 5


def test_a_device_id_spelled_with_json_escapes_is_still_found_in_a_kept_body() -> None:
    line = Timeline()
    body = b'{"reports":[{"azureADDeviceId":"00000000-0000-4000-8000-00000000000\\u0061","platform":"android",' \
           b'"osVersion":"14","threatState":"secured","reportedDateTime":"2026-11-25T10:00:00Z"}]}'
    line.record_reports("t", "c", NOW, orjson.loads(body)["reports"], [ACCEPTED], 0, body)
    [(_, _, found, outcome)] = history(line, A)
    assert found["azureADDeviceId"] == A and outcome is ACCEPTED
    assert history(line, "\udcff") == []  # a device id that is no UTF-8 text matches nothing, and does not raise


def test_the_newest_bodies_are_kept_up_to_the_history_limit(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(timeline, "HISTORY_REPORTS", 3)
    line = Timeline()
    for minute in range(5):
        reports = [report(A, reportedDateTime=f"2026-11-25T10:0{minute}:00Z")]
        body = orjson.dumps({"reports": reports})
        line.record_reports("t", "c", NOW + timedelta(minutes=minute), reports, [ACCEPTED], 0, body)
    assert [r["reportedDateTime"][14:16] for *_, r, _ in history(line, A)] == ["04", "03", "02"]
    assert line.of("t").held_reports == 3


def test_held_batches_of_accepted_reports_are_out_of_the_garbage_collectors_sight() -> None:
    line = Timeline()
    reports = [report(A)]
    line.record_reports("t", "c", NOW, reports, [ACCEPTED], 0, orjson.dumps({"reports": reports}))
    gc.collect()
    assert not gc.is_tracked(line.of("t").batches[0])


def test_batches_of_one_hour_share_its_bucket_and_a_clock_set_back_counts_in_the_earlier_hour() -> None:
    line = Timeline()
    for minutes in (0, 29, 30, 95, -60, 31):  # 10:30, 10:59, 11:00, 12:05, 09:30, then 11:01 again
        line.record_reports("t", "c", NOW + timedelta(minutes=minutes), [report(A)], [ACCEPTED], 0)
    counts = {b.start.hour: b.accepted for b in line.of("t").buckets.values()}
    assert counts == {9: 1, 10: 2, 11: 2, 12: 1}


def test_a_batch_in_an_hour_before_every_kept_bucket_is_not_cached_as_the_current_one(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    monkeypatch.setattr(timeline, "MAX_POINTS", 2)
    line = Timeline()
    for hours in (0, 1, -5, -5, 2):
        line.record_reports("t", "c", NOW + timedelta(hours=hours), [report(A)], [ACCEPTED], 0)
    counts = {b.start.hour: b.accepted for b in line.of("t").buckets.values()}
    assert counts == {11: 1, 12: 1}  # the two newest hours; the evicted 05:00 never became the current bucket
