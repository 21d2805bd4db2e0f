"""Counters of what partners sent: the numbers a load test checks the mock against."""

from __future__ import annotations

from collections import Counter
from collections.abc import Sequence
from dataclasses import dataclass, field
from typing import Any

from simulator.domain.tenant import ACCEPTED, ReportOutcome

__all__ = ["TrafficCounters"]


@dataclass(slots=True)
class TrafficCounters:
    """``reports_accepted`` counts each report once: an idempotent resend is a duplicate, not a new acceptance."""

    heartbeats: int = 0
    report_batches: int = 0
    reports_accepted: int = 0
    reports_duplicate: int = 0
    reports_rejected: Counter[str] = field(default_factory=Counter)
    app_sync_calls: int = 0
    # Client events, not answers: the client went away mid-request, or sent its body too slowly (408).
    client_disconnects: int = 0
    body_timeouts: int = 0

    def count_reports(self, outcomes: Sequence[ReportOutcome]) -> int:
        """Count one batch's outcomes; returns how many of them were rejected."""
        self.report_batches += 1
        taken = outcomes.count(ACCEPTED)  # in C, by identity: every taken report shares ACCEPTED
        if taken == len(outcomes):
            self.reports_accepted += taken
            return 0
        rejected = 0
        for outcome in outcomes:
            if outcome.code is not None:
                self.reports_rejected[outcome.code.value] += 1
                rejected += 1
            elif outcome.duplicate:
                self.reports_duplicate += 1
            else:
                self.reports_accepted += 1
        return rejected

    def clear(self) -> None:
        self.heartbeats = self.report_batches = self.reports_accepted = 0
        self.reports_duplicate = self.app_sync_calls = self.client_disconnects = self.body_timeouts = 0
        self.reports_rejected.clear()

    def client_events_to_wire(self) -> dict[str, int]:
        return {"disconnects": self.client_disconnects, "bodyTimeouts": self.body_timeouts}

    def to_wire(self) -> dict[str, Any]:
        return {
            "heartbeats": self.heartbeats,
            "reportBatches": self.report_batches,
            "reportsAccepted": self.reports_accepted,
            "reportsDuplicate": self.reports_duplicate,
            "reportsRejected": dict(self.reports_rejected),
            "appSyncCalls": self.app_sync_calls,
        }
