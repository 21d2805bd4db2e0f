"""Violations (filterable by client, code, route and virtual time) and the conformance verdict of the whole mock."""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from dataclasses import dataclass
from datetime import datetime
from typing import Any

from simulator.conformance import ConformanceReport
from simulator.domain.clock import parse_datetime
from simulator.service.state import Violation

__all__ = ["ViolationQuery", "conformance_view", "violations_view"]

SHOWN = 200


@dataclass(frozen=True, slots=True)
class ViolationQuery:
    client: str | None = None  # the app (client id) whose request broke the contract
    address: str | None = None  # the client's IP address
    token: str | None = None  # the bearer token's fingerprint
    code: str | None = None
    route: str | None = None  # a substring of "METHOD /route"
    since: datetime | None = None
    until: datetime | None = None

    def matches(self, violation: Violation) -> bool:
        if self.client and violation.client_id != self.client:
            return False
        if self.address and violation.address != self.address:
            return False
        if self.token and violation.token != self.token:
            return False
        if self.code and violation.code != self.code:
            return False
        if self.route and self.route not in violation.route:
            return False
        if self.since or self.until:
            at = parse_datetime(violation.time)
            if (self.since and at < self.since) or (self.until and at > self.until):
                return False
        return True


def violations_view(violations: Iterable[Violation], total: int, dropped: int, query: ViolationQuery) -> dict[str, Any]:
    """Newest first; ``clients`` and ``codes`` list what the retained violations hold, for the filter menus."""
    kept = list(violations)
    matched = [v for v in reversed(kept) if query.matches(v)]
    return {
        "value": [v.to_wire() for v in matched[:SHOWN]],
        "matched": len(matched),
        "total": total,
        "dropped": dropped,
        "clients": sorted({v.client_id for v in kept if v.client_id}),
        "addresses": sorted({v.address for v in kept if v.address}),
        "tokens": sorted({v.token for v in kept if v.token}),
        "codes": sorted({v.code for v in kept}),
    }


def conformance_view(stats: Mapping[str, Any], violations: Iterable[Violation], dropped: int,
                     target: str) -> tuple[ConformanceReport, dict[str, Any]]:  # fmt: skip
    report = ConformanceReport(target, dict(stats), tuple(v.to_wire() for v in violations), dropped)
    summary = {
        "conforms": report.conforms,
        "violationsByCode": report.by_code,
        "traffic": stats.get("traffic", {}),
        "byStatus": stats.get("byStatus", {}),
        "downloads": {"markdown": "/_sim/views/conformance?format=markdown",
                      "json": "/_sim/views/conformance?format=json"},
    }
    return report, summary
