"""Benchmark: one threat report per POST through the whole mock (token check, contract validation, domain rules,
compliance update) against a bare aiohttp parse-and-store server. Target (DESIGN 6): >= 0.75x of the bare server.

The mock and the baselines run side by side for the whole benchmark (all pinned to CPU 0) and take turns: each
round gives each server one slice of load in a rotating order, from the same load generator with the same request
bytes (pinned to CPU 1, 50 connections, every report a newer one; the baseline ignores the bearer token). Short
alternating slices share the machine's slow and fast spells (reference/performance.md: +-30% between runs), so
the median of the per-round ratios is stable where minutes-apart runs were not. ``mtdsim serve`` runs on uvloop;
the DESIGN baseline is bare aiohttp on asyncio's default loop, and the same baseline on uvloop is measured too,
so the share of the ratio that comes from the event loop is visible.
``python -m loadtests.bench_report [--rounds 15] [--duration 2] [--quick]``
"""

from __future__ import annotations

import statistics
import sys
from collections.abc import Callable, Sequence
from contextlib import ExitStack
from typing import Any

from loadtests.benchlib import (
    Measure,
    bench_parser,
    emit,
    loaded_together,
    loadgen,
    median_ratio,
    start_baseline,
    start_prepared_mock,
)
from loadtests.target import fetch_stats

__all__ = ["main", "measure"]

CONNECTIONS = 50
MINUTE_MS, SECOND_MS = 60_000, 1000


def measure(rounds: int, duration: float, warmup: float) -> list[Measure]:
    with ExitStack() as servers:
        prepared = start_prepared_mock()
        servers.enter_context(prepared.mock)
        asyncio_base = servers.enter_context(start_baseline())
        uvloop_base = servers.enter_context(start_baseline(uvloop=True))
        # Report times start 30 minutes back and move on by a second's worth of milliseconds per slice: every report
        # is newer than the last (no staleReport) and none is in the mock's future (no clockSkew).
        times = iter(range(prepared.now_ms - 30 * MINUTE_MS, prepared.now_ms, SECOND_MS))
        template = prepared.report_config("single", 0, connections=CONNECTIONS)

        def load_on(port: int, seconds: float) -> dict[str, Any]:
            return {**template, "port": port, "base_ms": next(times), "duration": seconds}

        def slice_on(port: int) -> Callable[[float], float]:
            return lambda seconds: float(loadgen(load_on(port, seconds))["rps"])

        runs = {"mock": slice_on(prepared.mock.port), "asyncio": slice_on(asyncio_base.port),
                "uvloop": slice_on(uvloop_base.port)}
        for run in runs.values():
            run(warmup)
        rps: dict[str, list[float]] = {name: [] for name in runs}
        order = list(runs)
        for _ in range(rounds):
            for name in order:
                rps[name].append(runs[name](duration))
            order = order[1:] + order[:1]  # no server always runs first after the generator starts
        mock_pid, base_pid = prepared.mock.process.pid, asyncio_base.process.pid
        costs = [loaded_together({mock_pid: load_on(prepared.mock.port, 2 * duration),
                                  base_pid: load_on(asyncio_base.port, 2 * duration)})
                 for _ in range(max(1, rounds // 3))]  # fmt: skip
        traffic = fetch_stats(prepared.mock.url, prepared.mock.control_key)["traffic"]
    detail: dict[str, Any] = {"mock_rps_median": statistics.median(rps["mock"]), "rounds": [
        {"mock_rps": m, "baseline_rps": a, "baseline_uvloop_rps": u}
        for m, a, u in zip(rps["mock"], rps["asyncio"], rps["uvloop"], strict=True)],
        "reportsAccepted": traffic["reportsAccepted"], "reportsRejected": traffic["reportsRejected"],
        "together_us_per_request": [{"mock": c[mock_pid], "baseline": c[base_pid]} for c in costs]}
    return [
        Measure("single validated report vs bare aiohttp parse+store", median_ratio(rps["mock"], rps["asyncio"]),
                "x baseline", 0.75, baseline=statistics.median(rps["asyncio"]), detail=detail),
        Measure("  same, vs bare aiohttp on uvloop (context)", median_ratio(rps["mock"], rps["uvloop"]),
                "x baseline", 0.75, baseline=statistics.median(rps["uvloop"]), context=True),
        # A cost ratio: the baseline's CPU time per request over the mock's (the mock's speed as a share).
        Measure("  same, CPU/request, loaded together (context)",
                median_ratio([c[base_pid] for c in costs], [c[mock_pid] for c in costs]), "x baseline", 0.75,
                baseline=statistics.median(c[base_pid] for c in costs), context=True),
    ]


def main(argv: Sequence[str] | None = None) -> int:
    parser = bench_parser(__doc__)
    parser.set_defaults(rounds=15, duration=2.0)
    args = parser.parse_args(argv)
    rounds, duration, warmup = (1, 0.5, 0.2) if args.quick else (args.rounds, args.duration, 1.0)
    emit("single report POST", measure(rounds, duration, warmup), args.json_path, quick=args.quick)
    return 0


if __name__ == "__main__":
    sys.exit(main())
