"""What the dashboard draws over virtual time: report outcomes per virtual hour, compliance samples, recent reports.

Fed from three places: the report route calls ``record_reports`` once per batch (a counter update and a reference to
the batch, no per-report work when every report was taken); the first batch of a tenant in a new virtual hour marks
the tenant due for a compliance sample, which the sampler (``simulator.dashboard.sampler``) takes; and the overview
view adds the counts it computed anyway. Everything is bounded, so a long soak holds steady memory: buckets and
samples keep the newest ``MAX_POINTS``, the report history the newest ``HISTORY_REPORTS`` reports.

The history keeps each batch's request body as it came (one bytes object) when the route hands it over, and parses
it again only when the dashboard reads a device's history. Holding the parsed reports instead (a list, a dict and
five strings per report, 20,000 reports) cost the single-report path a third of its throughput: every request's
objects lived until 20,000 reports later and were freed cold (loadtests/README.md, docs/decisions.md).
"""

from __future__ import annotations

from collections import Counter, deque
from collections.abc import Callable, Iterator, Mapping, Sequence
from dataclasses import dataclass, field
from datetime import UTC, datetime, timedelta
from typing import Any, NamedTuple

import orjson

from simulator.domain.tenant import ACCEPTED, ReportOutcome

__all__ = ["HISTORY_REPORTS", "MAX_POINTS", "ComplianceSample", "ReportBucket", "TenantTimeline", "Timeline"]

MAX_POINTS = 2000
HISTORY_REPORTS = 20_000
_HOUR = timedelta(hours=1)
_NEVER = datetime.min.replace(tzinfo=UTC)


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


class ReceivedBatch(NamedTuple):
    """One report batch as received. ``wire`` is the contract-valid request body (bytes, parsed again by
    ``reports``) or the parsed reports themselves (never mutated after parsing); ``rejections`` its outcomes, one per
    report, when any was rejected, else None: every report of it reads back as ``ACCEPTED`` (an idempotent resend
    too, as the partner was told, and as the hour's bucket counts it).

    The timeline holds each batch as a plain tuple in this field order (one is built per report request) and hands
    out ReceivedBatch views of them: CPython's collector stops tracking a plain tuple of plain values (not a
    NamedTuple), where it re-scanned 20,000 held batches and their parsed reports."""

    at: datetime
    connector_id: str
    wire: bytes | Sequence[Mapping[str, Any]]
    size: int
    rejections: Sequence[ReportOutcome] | None

    @property
    def reports(self) -> Sequence[Mapping[str, Any]]:
        wire = self.wire
        if isinstance(wire, bytes):
            reports: Sequence[Mapping[str, Any]] = orjson.loads(wire)["reports"]
            return reports
        return wire

    @property
    def outcomes(self) -> Sequence[ReportOutcome]:
        return [ACCEPTED] * self.size if self.rejections is None else self.rejections

    def may_mention(self, device_id: bytes) -> bool:
        """False only when no report of this batch can be about ``device_id`` (UTF-8): a body that does not contain
        it, and has no escape that could spell it, is not parsed."""
        wire = self.wire
        return not isinstance(wire, bytes) or device_id in wire or b"\\" in wire



@dataclass(slots=True)
class TenantTimeline:
    buckets: dict[datetime, ReportBucket] = field(default_factory=dict)
    samples: deque[ComplianceSample] = field(default_factory=lambda: deque(maxlen=MAX_POINTS))
    batches: deque[tuple[Any, ...]] = field(default_factory=deque)  # ReceivedBatch's fields, see there
    held_reports: int = 0
    due_hour: datetime | None = None  # the virtual hour of the newest batch that marked the tenant due
    # The bucket of the last batch and the end of its hour: most batches fall in it, and two comparisons cost less
    # than truncating "now" to its hour (datetime.replace with keywords) and a dict lookup.
    current: ReportBucket | None = None
    current_end: datetime = _NEVER

    def bucket(self, now: datetime) -> ReportBucket:
        current = self.current
        if current is not None and current.start <= now < self.current_end:
            return current
        start = now.replace(minute=0, second=0, microsecond=0)
        found = self.buckets.get(start)
        if found is None:
            found = self.buckets[start] = ReportBucket(start)
            if len(self.buckets) > MAX_POINTS:
                del self.buckets[min(self.buckets)]
        # Never an evicted bucket (a clock set back before every kept hour): its counts would go nowhere.
        self.current, self.current_end = (found, start + _HOUR) if start in self.buckets else (None, _NEVER)
        return found

    def history(self, device_id: str) -> Iterator[tuple[ReceivedBatch, Mapping[str, Any], ReportOutcome]]:
        """The retained reports about ``device_id``, newest first."""
        needle = device_id.encode("utf-8", "surrogatepass")
        for row in reversed(self.batches):
            batch = ReceivedBatch._make(row)
            if not batch.may_mention(needle):
                continue
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
                       outcomes: Sequence[ReportOutcome], rejected: int,
                       body: bytes | None = None) -> None:  # fmt: skip
        """One batch. ``rejected`` is already counted by the caller, so a clean batch costs no loop here. ``body`` is
        the request body the contract-valid ``reports`` were parsed from: when given, the history keeps it instead of
        the parsed reports (see the module docstring)."""
        line = self.tenants.get(tenant_id) or self.of(tenant_id)
        bucket = line.current
        # The hour of the last batch: nothing to look up, and the tenant was marked due for it then.
        if bucket is None or not bucket.start <= now < line.current_end:
            bucket = line.bucket(now)
            if line.due_hour != bucket.start:
                line.due_hour = bucket.start
                self.due.add(tenant_id)
                self.wake()
        size = len(outcomes)
        bucket.accepted += size - rejected
        if rejected:
            bucket.rejected.update(o.code.value for o in outcomes if o.code is not None)
        batches = line.batches
        batches.append((now, connector_id, reports if body is None else body, size, outcomes if rejected else None))
        line.held_reports += size
        while line.held_reports - batches[0][3] >= HISTORY_REPORTS:  # [3]: the size
            line.held_reports -= batches.popleft()[3]

    def add_sample(self, tenant_id: str, sample: ComplianceSample) -> None:
        samples = self.of(tenant_id).samples
        if samples and samples[-1].at == sample.at:
            samples.pop()  # the same instant measured again (a report arrived): keep the newer counts
        samples.append(sample)
