"""Benchmark: one threat report per POST through the whole mock (token check, contract validation, domain rules,
compliance update) against a bare aiohttp parse-and-store server. Target (DESIGN 6): >= 0.75x of the bare server.

Each round starts a fresh mock and fresh baselines (pinned to CPU 0), warms each up, then drives each with the
same load generator and the same request bytes (pinned to CPU 1, 50 connections, every report a newer one; the
baseline ignores the bearer token); the result is the median of the per-round ratios. ``mtdsim serve`` runs on
uvloop, the DESIGN baseline is bare aiohttp on asyncio's default loop; the same baseline on uvloop is measured too,
so the share of the ratio that comes from the event loop is visible.
``python -m loadtests.bench_report [--rounds 5] [--duration 5] [--quick]``
"""

from __future__ import annotations

import statistics
import sys
from collections.abc import Sequence
from typing import Any

from loadtests.benchlib import Measure, bench_parser, emit, loadgen, median_ratio, start_baseline, start_prepared_mock
from loadtests.target import fetch_stats

__all__ = ["main", "measure"]

CONNECTIONS = 50
MINUTE_MS = 60_000


def _baseline_round(template: dict[str, Any], warmup: float, duration: float, *, uvloop: bool = False) -> float:
    with start_baseline(uvloop=uvloop) as server:
        config = {**template, "port": server.port}
        loadgen({**config, "duration": warmup, "base_ms": template["base_ms"] - 30 * MINUTE_MS})
        return float(loadgen({**config, "duration": duration})["rps"])


def _mock_round(warmup: float, duration: float) -> tuple[float, dict[str, Any], dict[str, Any]]:
    prepared = start_prepared_mock()
    with prepared.mock:
        # Older than the mock's now (no clockSkew) and warm-up older than the measured run (no staleReport).
        loadgen(prepared.report_config("single", prepared.now_ms - 30 * MINUTE_MS, connections=CONNECTIONS,
                                       duration=warmup))
        result = loadgen(prepared.report_config("single", prepared.now_ms - 20 * MINUTE_MS,
                                                connections=CONNECTIONS, duration=duration))
        traffic = fetch_stats(prepared.mock.url, prepared.mock.control_key)["traffic"]
    template = prepared.report_config("single", prepared.now_ms - 20 * MINUTE_MS, connections=CONNECTIONS)
    return float(result["rps"]), {**result, "reportsAccepted": traffic["reportsAccepted"],
                                  "reportsRejected": traffic["reportsRejected"]}, template


def measure(rounds: int, duration: float, warmup: float) -> list[Measure]:
    mock_rps: list[float] = []
    base_rps: list[float] = []
    same_loop_rps: list[float] = []
    details = []
    for _ in range(rounds):
        rps, detail, template = _mock_round(warmup, duration)
        mock_rps.append(rps)
        base_rps.append(_baseline_round(template, warmup, duration))
        same_loop_rps.append(_baseline_round(template, warmup, duration, uvloop=True))
        details.append({"mock_rps": rps, "baseline_rps": base_rps[-1], "baseline_uvloop_rps": same_loop_rps[-1],
                        "mock": detail})
    return [
        Measure("single validated report vs bare aiohttp parse+store", median_ratio(mock_rps, base_rps),
                "x baseline", 0.75, baseline=statistics.median(base_rps),
                detail={"mock_rps_median": statistics.median(mock_rps), "rounds": details}),
        Measure("  same, vs bare aiohttp on uvloop (context)", median_ratio(mock_rps, same_loop_rps), "x baseline",
                0.75, baseline=statistics.median(same_loop_rps)),
    ]


def main(argv: Sequence[str] | None = None) -> int:
    args = bench_parser(__doc__).parse_args(argv)
    rounds, duration, warmup = (1, 0.5, 0.2) if args.quick else (args.rounds, args.duration, 1.0)
    emit("single report POST", measure(rounds, duration, warmup), args.json_path, quick=args.quick)
    return 0


if __name__ == "__main__":
    sys.exit(main())
