"""What a console sent and what came back, counted once per report (a retried batch counts by its final outcome)."""

from __future__ import annotations

from collections import Counter
from dataclasses import dataclass, field
from typing import Any

__all__ = ["ConsoleStats"]


@dataclass(slots=True)
class ConsoleStats:
    """Counters of one console run. ``errors`` keys are ``"<status> <code>"`` of requests that finally failed.

    ``expected`` and ``expected_violations`` are what the console's profile planted on purpose: the outcomes and
    the mock's recorded violations a correct mock must answer with, exactly.
    """

    reports_sent: int = 0
    accepted: int = 0
    rejected: Counter[str] = field(default_factory=Counter)
    batches: int = 0
    errors: Counter[str] = field(default_factory=Counter)
    reports_in_failed_batches: int = 0
    heartbeats: int = 0
    app_sync_calls: int = 0
    apps_seen: int = 0
    token_fetches: int = 0
    retries: int = 0
    expected: Counter[str] = field(default_factory=Counter)
    expected_violations: Counter[str] = field(default_factory=Counter)
    violations: Counter[str] | None = None  # read back from the mock's control API when there is one

    def outcomes(self) -> Counter[str]:
        """Rejections by code plus failed requests by "status code": what a profile's plan is compared with."""
        return self.rejected + self.errors

    def to_wire(self) -> dict[str, Any]:
        return {
            "reportsSent": self.reports_sent,
            "accepted": self.accepted,
            "rejected": dict(sorted(self.rejected.items())),
            "batches": self.batches,
            "errors": dict(sorted(self.errors.items())),
            "reportsInFailedBatches": self.reports_in_failed_batches,
            "heartbeats": self.heartbeats,
            "appSyncCalls": self.app_sync_calls,
            "appsSeen": self.apps_seen,
            "tokenFetches": self.token_fetches,
            "retries": self.retries,
            "planted": dict(sorted(self.expected.items())),
            "plantedViolations": dict(sorted(self.expected_violations.items())),
            "violations": dict(sorted(self.violations.items())) if self.violations is not None else None,
        }
