"""Benchmark: batches of 1000 validated threat reports through the mock on one core.
Target (DESIGN 6): >= 150,000 reports/s. The bare aiohttp parse-and-store server runs the same batches in the
same rounds, for context (its ratio says what validation + domain rules cost).

The target is absolute, so it moves with the machine (+-30% from one spell to the next). The last line reads the
run at the speed reference/performance.md measured this machine at: the mock's share of the bare server in this
run times what the same bare server did there (216,170 reports/s, section 3: asyncio, json, no validation). It is
context, not the verdict: it tells a slow spell of the machine from a slow mock.

The mock is pinned to CPU 0, the load generator to CPU 1 (4 connections; every batch reports each of 1000 devices
with a newer time, each connection its own 1000 devices).
``python -m loadtests.bench_batch [--rounds 5] [--duration 5] [--quick]``
"""

from __future__ import annotations

import statistics
import sys
from collections.abc import Sequence
from typing import Any

from loadtests.benchlib import Measure, bench_parser, emit, loadgen, median_ratio, start_baseline, start_prepared_mock
from loadtests.target import fetch_stats

__all__ = ["main", "measure"]

BATCH, CONNECTIONS, MINUTE_MS = 1000, 4, 60_000
REFERENCE_BARE_REPORTS_PER_S = 216_170  # reference/performance.md section 3: batch1000, asyncio, json, none


def _mock_round(warmup: float, duration: float) -> tuple[float, dict[str, Any], dict[str, Any]]:
    prepared = start_prepared_mock(devices=BATCH * CONNECTIONS)  # each connection its own 1000 devices
    with prepared.mock:
        extra = {"batch": BATCH, "connections": CONNECTIONS}
        loadgen(prepared.report_config("batch", prepared.now_ms - 30 * MINUTE_MS, duration=warmup, **extra))
        template = prepared.report_config("batch", prepared.now_ms - 20 * MINUTE_MS, **extra)
        result = loadgen({**template, "duration": duration})
        traffic = fetch_stats(prepared.mock.url, prepared.mock.control_key)["traffic"]
    return float(result["reports_per_s"]), {**result, "reportsRejected": traffic["reportsRejected"]}, template


def _baseline_round(template: dict[str, Any], duration: float) -> float:
    with start_baseline() as server:
        return float(loadgen({**template, "port": server.port, "token": "", "duration": duration})["reports_per_s"])


def measure(rounds: int, duration: float, warmup: float) -> list[Measure]:
    mock: list[float] = []
    base: list[float] = []
    details = []
    for _ in range(rounds):
        reports_per_s, detail, template = _mock_round(warmup, duration)
        mock.append(reports_per_s)
        base.append(_baseline_round(template, duration))
        details.append({"mock_reports_per_s": reports_per_s, "baseline_reports_per_s": base[-1], "mock": detail})
    share = median_ratio(mock, base)
    return [
        Measure("batch of 1000 validated reports, one core", statistics.median(mock), "reports/s", 150_000,
                baseline=statistics.median(base), detail={"rounds": details}),
        Measure("  same, as a share of bare parse+store (context)", share, "x baseline", 0.0, context=True),
        Measure("  same, at the reference machine speed (context)", share * REFERENCE_BARE_REPORTS_PER_S,
                "reports/s", 0.0, baseline=REFERENCE_BARE_REPORTS_PER_S, context=True),
    ]


def main(argv: Sequence[str] | None = None) -> int:
    args = bench_parser(__doc__).parse_args(argv)
    rounds, duration, warmup = (1, 0.5, 0.2) if args.quick else (args.rounds, args.duration, 1.0)
    emit("batch of 1000 reports", measure(rounds, duration, warmup), args.json_path, quick=args.quick)
    return 0


if __name__ == "__main__":
    sys.exit(main())
