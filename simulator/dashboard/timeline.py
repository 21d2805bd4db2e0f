"""What the dashboard draws over virtual time: report outcomes per virtual hour, compliance samples, recent reports.

Fed from three places: the report route calls ``record_reports`` once per batch (a counter update and a reference to
the batch, no per-report work when every report was taken); the first batch of a tenant in a new virtual hour marks
the tenant due for a compliance sample, which the sampler (``simulator.dashboard.sampler``) takes; and the overview
view adds the counts it computed anyway. Everything is bounded, so a long soak holds steady memory: buckets and
samples keep the newest ``MAX_POINTS``, the report history the newest ``HISTORY_REPORTS`` reports.
"""

from __future__ import annotations

from collections import Counter, deque
from collections.abc import Callable, Iterator, Mapping, Sequence
from dataclasses import dataclass, field
from datetime import datetime
from typing import Any

from simulator.domain.tenant import ReportOutcome

__all__ = ["HISTORY_REPORTS", "MAX_POINTS", "ComplianceSample", "ReportBucket", "TenantTimeline", "Timeline"]

MAX_POINTS = 2000
HISTORY_REPORTS = 20_000


@dataclass(slots=True)
class ReportBucket:
    """Outcomes of the reports received in one virtual hour (``start``)."""

    start: datetime
    accepted: int = 0  # idempotent resends included: the partner was told "accepted"
    rejected: Counter[str] = field(default_factory=Counter)

    def to_wire(self, format_time: Any) -> dict[str, Any]:
        return {"start": format_time(self.start), "accepted": self.accepted, "rejected": dict(self.rejected)}


@dataclass(frozen=True, slots=True)
class ComplianceSample:
    """Compliance counts of one tenant at virtual time ``at``, over ``scanned`` of its ``devices``."""

    at: datetime
    counts: Mapping[str, int]  # "<platform>/<complianceState>" -> devices
    scanned: int
    devices: int


@dataclass(frozen=True, slots=True)
class ReceivedBatch:
    """One report batch as received: the wire reports (never mutated after parsing) and their outcomes."""

    at: datetime
    connector_id: str
    reports: Sequence[Mapping[str, Any]]
    outcomes: Sequence[ReportOutcome]


@dataclass(slots=True)
class TenantTimeline:
    buckets: dict[datetime, ReportBucket] = field(default_factory=dict)
    samples: deque[ComplianceSample] = field(default_factory=lambda: deque(maxlen=MAX_POINTS))
    batches: deque[ReceivedBatch] = field(default_factory=deque)
    held_reports: int = 0
    due_hour: datetime | None = None  # the virtual hour of the newest batch that marked the tenant due

    def bucket(self, now: datetime) -> ReportBucket:
        start = now.replace(minute=0, second=0, microsecond=0)
        found = self.buckets.get(start)
        if found is None:
            found = self.buckets[start] = ReportBucket(start)
            if len(self.buckets) > MAX_POINTS:
                del self.buckets[min(self.buckets)]
        return found

    def history(self, device_id: str) -> Iterator[tuple[ReceivedBatch, Mapping[str, Any], ReportOutcome]]:
        """The retained reports about ``device_id``, newest first."""
        for batch in reversed(self.batches):
            for report, outcome in zip(reversed(batch.reports), reversed(batch.outcomes), strict=True):
                if report.get("azureADDeviceId") == device_id:
                    yield batch, report, outcome


class Timeline:
    """Per tenant: report buckets, compliance samples and the newest reports (see the module docstring)."""

    def __init__(self) -> None:
        self.tenants: dict[str, TenantTimeline] = {}
        self.due: set[str] = set()  # tenants to sample
        self.wake: Callable[[], None] = lambda: None  # set by the sampler while the app runs

    def clear(self) -> None:
        self.tenants.clear()
        self.due.clear()

    def of(self, tenant_id: str) -> TenantTimeline:
        found = self.tenants.get(tenant_id)
        if found is None:
            found = self.tenants[tenant_id] = TenantTimeline()
        return found

    def record_reports(self, tenant_id: str, connector_id: str, now: datetime, reports: Sequence[Mapping[str, Any]],
                       outcomes: Sequence[ReportOutcome], rejected: int) -> None:  # fmt: skip
        """One batch. ``rejected`` is already counted by the caller, so a clean batch costs no loop here."""
        line = self.of(tenant_id)
        bucket = line.bucket(now)
        if line.due_hour != bucket.start:
            line.due_hour = bucket.start
            self.due.add(tenant_id)
            self.wake()
        bucket.accepted += len(outcomes) - rejected
        if rejected:
            bucket.rejected.update(o.code.value for o in outcomes if o.code is not None)
        line.batches.append(ReceivedBatch(now, connector_id, reports, outcomes))
        line.held_reports += len(reports)
        while line.held_reports - len(line.batches[0].reports) >= HISTORY_REPORTS:
            line.held_reports -= len(line.batches.popleft().reports)

    def add_sample(self, tenant_id: str, sample: ComplianceSample) -> None:
        samples = self.of(tenant_id).samples
        if samples and samples[-1].at == sample.at:
            samples.pop()  # the same instant measured again (a report arrived): keep the newer counts
        samples.append(sample)
