"""The conformance report a partner engineer reads after pointing their backend at ``mtdsim serve``.

It is built from the mock's own record (``/_sim/stats`` and ``/_sim/violations``): every contract violation and
ignored ``Retry-After`` it saw, what happened to every threat report, and the answers by status. A partner conforms
when the mock recorded no violation; rejected reports are listed but are not violations (a console may send them on
purpose, and they are part of the contract).
"""

from __future__ import annotations

from collections import Counter
from dataclasses import dataclass
from typing import Any

import aiohttp

from simulator.errors import SimulationError

__all__ = ["ConformanceReport", "control_get", "fetch_report"]

EXAMPLES_PER_CODE = 5


@dataclass(frozen=True, slots=True)
class ConformanceReport:
    target: str
    stats: dict[str, Any]
    violations: tuple[dict[str, Any], ...]  # the newest ones the mock kept
    violations_dropped: int

    @property
    def by_code(self) -> dict[str, int]:
        """Totals per violation code, counted beyond the mock's bounded list when it reports them."""
        counted = self.stats.get("violationsByCode")
        if counted is not None:
            return dict(sorted(counted.items()))
        return dict(sorted(Counter(v["code"] for v in self.violations).items()))

    @property
    def conforms(self) -> bool:
        return int(self.stats.get("violations", 0)) == 0

    def examples(self, code: str) -> list[dict[str, Any]]:
        return [v for v in self.violations if v["code"] == code][:EXAMPLES_PER_CODE]

    def to_json(self) -> dict[str, Any]:
        return {
            "target": self.target,
            "conforms": self.conforms,
            "violationsByCode": self.by_code,
            "violations": list(self.violations),
            "violationsDropped": self.violations_dropped,
            "stats": self.stats,
        }

    def to_markdown(self) -> str:
        traffic = self.stats.get("traffic", {})
        verdict = "conforms: no violations recorded" if self.conforms else "does NOT conform"
        lines = [
            "# mtdsim conformance report",
            "",
            f"Target: {self.target}. Verdict: **{verdict}**.",
            "",
            "| measure | value |",
            "|---|---|",
            f"| requests | {self.stats.get('requests', 0)} |",
            f"| answers by status | {_pairs(self.stats.get('byStatus', {}))} |",
            f"| heartbeats | {traffic.get('heartbeats', 0)} |",
            f"| reports accepted | {traffic.get('reportsAccepted', 0)} |",
            f"| reports resent (duplicates) | {traffic.get('reportsDuplicate', 0)} |",
            f"| reports rejected | {_pairs(traffic.get('reportsRejected', {}))} |",
            f"| App Sync calls | {traffic.get('appSyncCalls', 0)} |",
        ]
        for code, total in self.by_code.items():
            lines += ["", f"## {code}: {total}", "", "| route | pointer | client | message |", "|---|---|---|---|"]
            lines += [
                f"| {v['route']} | {v.get('pointer', '')} | {v.get('clientId', '')} | {_cell(v['message'])} |"
                for v in self.examples(code)
            ]
        if self.violations_dropped:
            lines += ["", f"{self.violations_dropped} older violations were dropped from the mock's bounded list."]
        return "\n".join(lines) + "\n"


async def fetch_report(target: str, control_key: str, *, ca_file: str | None = None) -> ConformanceReport:
    """Read the mock's stats and violations through its control API (an https target trusted through ``ca_file``)."""
    from simulator.entra.trust import client_connector

    headers = {"X-Mtdsim-Control-Key": control_key}
    base = target.rstrip("/")
    try:
        async with aiohttp.ClientSession(headers=headers, timeout=aiohttp.ClientTimeout(total=30),
                                         connector=client_connector(ca_file)) as session:
            stats = await control_get(session, f"{base}/_sim/stats")
            violations = await control_get(session, f"{base}/_sim/violations")
    except aiohttp.ClientError as exc:
        raise SimulationError(f"cannot reach {base}: {exc}") from exc
    return ConformanceReport(base, stats, tuple(violations["value"]), int(violations.get("dropped", 0)))


async def control_get(session: aiohttp.ClientSession, url: str) -> dict[str, Any]:
    """A control-API JSON answer; a refused key or any other status is a ``SimulationError`` naming the URL."""
    async with session.get(url) as response:
        if response.status == 401:
            raise SimulationError(f"{url}: the control key was refused (401)")
        if response.status != 200:
            raise SimulationError(f"{url}: answered {response.status}: {await response.text()}")
        body: dict[str, Any] = await response.json()
        return body


def _pairs(counts: dict[str, int]) -> str:
    return ", ".join(f"{key}: {value}" for key, value in sorted(counts.items())) or "none"


def _cell(text: str) -> str:
    return text.replace("|", "\\|").replace("\n", " ")
