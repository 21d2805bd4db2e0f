from __future__ import annotations

from simulator.domain.enums import RejectionCode
from simulator.domain.tenant import ACCEPTED, DUPLICATE, ReportOutcome
from simulator.service.traffic import TrafficCounters


def stale() -> ReportOutcome:
    return ReportOutcome(False, RejectionCode.staleReport, "not newer")


def test_a_batch_is_counted_by_outcome_and_rejections_by_code() -> None:
    traffic = TrafficCounters()
    outcomes = [ACCEPTED, stale(), DUPLICATE, ACCEPTED, ReportOutcome(False, RejectionCode.clockSkew, "ahead"), stale()]
    assert traffic.count_reports(outcomes) == 3
    assert traffic.count_reports([ACCEPTED, DUPLICATE]) == 0
    assert traffic.to_wire() == {"heartbeats": 0, "reportBatches": 2, "reportsAccepted": 3, "reportsDuplicate": 2,
                                 "reportsRejected": {"staleReport": 2, "clockSkew": 1}, "appSyncCalls": 0}
