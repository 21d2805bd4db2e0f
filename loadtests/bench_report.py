"""Benchmark: one threat report per POST through the whole mock (token check, contract validation, domain rules,
compliance update) against a bare aiohttp parse-and-store server. Target (DESIGN 6): >= 0.85x of the bare server.

The mock and the baselines run side by side for the whole benchmark (all pinned to CPU 0) and take turns: one load
generator process (pinned to CPU 1) keeps 50 connections open to each and, every round, gives each server a
half-second turn in a rotating order with the same request bytes (every report a newer one; the baseline ignores
the bearer token). Turns a fraction of a second apart share the machine's slow and fast spells
(reference/performance.md: +-30% between runs), so the median of the per-round ratios is stable where
minutes-apart runs were not. ``mtdsim serve`` runs on uvloop;
the DESIGN baseline is bare aiohttp on asyncio's default loop, and the same baseline on uvloop is measured too,
so the share of the ratio that comes from the event loop is visible.
``python -m loadtests.bench_report [--rounds 60] [--duration 0.5] [--quick]``  (duration: one turn)
"""

from __future__ import annotations

import statistics
import sys
from collections.abc import Sequence
from contextlib import ExitStack
from typing import Any

from loadtests.benchlib import (
    Measure,
    accepted_only,
    bench_parser,
    emit,
    loaded_together,
    median_ratio,
    start_baseline,
    start_prepared_mock,
    take_turns,
    turn_targets,
)
from loadtests.target import fetch_stats

__all__ = ["main", "measure"]

CONNECTIONS = 50
MINUTE_MS = 60_000


def measure(rounds: int, duration: float, warmup: float, together: tuple[int, float]) -> list[Measure]:
    """``rounds`` turns of ``duration`` seconds each (after one warm-up round of ``warmup``-second turns), then
    ``together`` = (runs, seconds) of loading the mock and the asyncio baseline at once."""
    with ExitStack() as servers:
        prepared = start_prepared_mock()
        servers.enter_context(prepared.mock)
        asyncio_base = servers.enter_context(start_baseline())
        uvloop_base = servers.enter_context(start_baseline(uvloop=True))
        template = prepared.report_config("single", 0, connections=CONNECTIONS)
        ports = {"mock": prepared.mock.port, "asyncio": asyncio_base.port, "uvloop": uvloop_base.port}

        # Each load starts its report times minutes apart and in the mock's past: every report is newer than the
        # last about its device (no staleReport) and none is in the mock's future (no clockSkew).
        take_turns(template, turn_targets(ports, prepared.now_ms - 30 * MINUTE_MS), warmup, 1)  # not counted
        rps = take_turns(template, turn_targets(ports, prepared.now_ms - 25 * MINUTE_MS), duration, rounds)
        times = iter(range(prepared.now_ms - 20 * MINUTE_MS, prepared.now_ms, MINUTE_MS))
        runs, seconds = together
        mock_pid, base_pid = prepared.mock.process.pid, asyncio_base.process.pid
        costs = [loaded_together({mock_pid: {**template, "base_ms": next(times), "duration": seconds},
                                  base_pid: {**template, "port": asyncio_base.port, "base_ms": next(times),
                                             "duration": seconds}})
                 for _ in range(runs)]  # fmt: skip
        traffic = accepted_only(fetch_stats(prepared.mock.url, prepared.mock.control_key)["traffic"])
    detail: dict[str, Any] = {"mock_rps_median": statistics.median(rps["mock"]), "rounds": [
        {"mock_rps": m, "baseline_rps": a, "baseline_uvloop_rps": u}
        for m, a, u in zip(rps["mock"], rps["asyncio"], rps["uvloop"], strict=True)],
        "reportsAccepted": traffic["reportsAccepted"], "reportsRejected": traffic["reportsRejected"],
        "together_us_per_request": [{"mock": c[mock_pid], "baseline": c[base_pid]} for c in costs]}
    return [
        Measure("single validated report vs bare aiohttp parse+store", median_ratio(rps["mock"], rps["asyncio"]),
                "x baseline", 0.85, baseline=statistics.median(rps["asyncio"]), detail=detail),
        Measure("  same, vs bare aiohttp on uvloop (context)", median_ratio(rps["mock"], rps["uvloop"]),
                "x baseline", 0.85, baseline=statistics.median(rps["uvloop"]), context=True),
        # A cost ratio: the baseline's CPU time per request over the mock's (the mock's speed as a share).
        Measure("  same, CPU/request, loaded together (context)",
                median_ratio([c[base_pid] for c in costs], [c[mock_pid] for c in costs]), "x baseline", 0.85,
                baseline=statistics.median(c[base_pid] for c in costs), context=True),
    ]


def main(argv: Sequence[str] | None = None) -> int:
    parser = bench_parser(__doc__)
    parser.set_defaults(rounds=60, duration=0.5)
    args = parser.parse_args(argv)
    rounds, duration, warmup, together = (1, 0.2, 0.2, (1, 0.5)) if args.quick else (
        args.rounds, args.duration, 1.0, (5, 4.0))
    emit("single report POST", measure(rounds, duration, warmup, together), args.json_path, quick=args.quick)
    return 0


if __name__ == "__main__":
    sys.exit(main())
