"""Benchmark: one threat report per POST through the whole mock (token check, contract validation, domain rules,
compliance update) against a bare aiohttp parse-and-store server. Target (DESIGN 6): >= 0.85x of the bare server.

The mock and the baselines run side by side for the whole benchmark (all pinned to CPU 0). The verdict uses the
reference method (reference/performance.md, which set the target): ``wrk -t1 -c50`` pinned to CPU 1, one run per
server per round in alternating order, the median of the per-round ratios (loadtests/wrk.py; without wrk the verdict
falls back to the Python load generator below and says so). As context, the Python load generator (pinned to CPU 1)
keeps 50 connections open to each server and every round gives each a half-second turn in a rotating order with
the same request bytes; it reads lower, because it wakes from a slow server's answers more often than from a fast
one's (loadtests/README.md, "Which load generator"). Every report is a newer one; the baselines ignore the bearer
token. ``mtdsim serve`` runs on uvloop; the DESIGN baseline is bare aiohttp on asyncio's default loop, and the same
baseline on uvloop is measured too, so the share of the ratio that comes from the event loop is visible.
``python -m loadtests.bench_report [--rounds 60] [--duration 0.5] [--wrk-rounds 8] [--wrk-seconds 3] [--quick]``
(duration: one turn)
"""

from __future__ import annotations

import dataclasses
import statistics
import sys
from collections.abc import Sequence
from contextlib import ExitStack
from typing import Any

from loadtests import wrk
from loadtests.benchlib import (
    ChildServer,
    Measure,
    PreparedMock,
    accepted_only,
    bench_parser,
    cpu_seconds,
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


def measure(rounds: int, duration: float, warmup: float, together: tuple[int, float],
            wrk_rounds: tuple[int, float] | None) -> list[Measure]:
    """``rounds`` turns of ``duration`` seconds each (after one warm-up round of ``warmup``-second turns), then
    ``together`` = (runs, seconds) of loading the mock and the asyncio baseline at once, then ``wrk_rounds`` =
    (rounds, seconds) of wrk runs (None: wrk is not installed)."""
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
        by_wrk = None if wrk_rounds is None else _wrk_rounds(prepared, asyncio_base, *wrk_rounds)
        traffic = accepted_only(fetch_stats(prepared.mock.url, prepared.mock.control_key)["traffic"])
    detail: dict[str, Any] = {"mock_rps_median": statistics.median(rps["mock"]), "rounds": [
        {"mock_rps": m, "baseline_rps": a, "baseline_uvloop_rps": u}
        for m, a, u in zip(rps["mock"], rps["asyncio"], rps["uvloop"], strict=True)],
        "reportsAccepted": traffic["reportsAccepted"], "reportsRejected": traffic["reportsRejected"],
        "together_us_per_request": [{"mock": c[mock_pid], "baseline": c[base_pid]} for c in costs]}
    turns = Measure("single validated report vs bare aiohttp parse+store", median_ratio(rps["mock"], rps["asyncio"]),
                    "x baseline", 0.85, baseline=statistics.median(rps["asyncio"]), detail=detail)
    context = [
        Measure("  same, vs bare aiohttp on uvloop (context)", median_ratio(rps["mock"], rps["uvloop"]),
                "x baseline", 0.85, baseline=statistics.median(rps["uvloop"]), context=True),
        # A cost ratio: the baseline's CPU time per request over the mock's (the mock's speed as a share).
        Measure("  same, CPU/request, loaded together (context)",
                median_ratio([c[base_pid] for c in costs], [c[mock_pid] for c in costs]), "x baseline", 0.85,
                baseline=statistics.median(c[base_pid] for c in costs), context=True),
    ]
    if by_wrk is None:
        return [dataclasses.replace(turns, name=f"{turns.name} (wrk not installed: Python load generator)"),
                *context]
    verdict = Measure(turns.name, median_ratio(by_wrk["mock"], by_wrk["asyncio"]), "x baseline", 0.85,
                      baseline=statistics.median(by_wrk["asyncio"]), detail={"wrk_rounds": [
                          {"mock_rps": m, "baseline_rps": b, "mock_cpu_us": mc, "baseline_cpu_us": bc}
                          for m, b, mc, bc in zip(by_wrk["mock"], by_wrk["asyncio"], by_wrk["mock_cpu_us"],
                                                  by_wrk["asyncio_cpu_us"], strict=True)]})
    return [
        verdict,
        Measure("  same, CPU/request under wrk (context)",
                median_ratio(by_wrk["asyncio_cpu_us"], by_wrk["mock_cpu_us"]), "x baseline", 0.85,
                baseline=statistics.median(by_wrk["asyncio_cpu_us"]), context=True),
        dataclasses.replace(turns, name="  same, Python load generator in turns (context)", context=True),
        *context,
    ]


def _wrk_rounds(prepared: PreparedMock, base: ChildServer, rounds: int, seconds: float) -> dict[str, list[float]]:
    """Rates and CPU microseconds per request of ``rounds`` wrk runs each, mock and baseline alternating first.

    Report times start 10 minutes in the mock's past (after the turns' and the together runs') and 20 s apart per
    round: each run advances a device's time by a millisecond per thousand requests."""
    found: dict[str, list[float]] = {"mock": [], "asyncio": [], "mock_cpu_us": [], "asyncio_cpu_us": []}
    servers = {"mock": (prepared.mock.port, prepared.mock.process.pid, prepared.token),
               "asyncio": (base.port, base.process.pid, "")}
    for number in range(rounds):
        base_ms = prepared.now_ms - 10 * MINUTE_MS + number * 20_000
        for name in (("mock", "asyncio") if number % 2 == 0 else ("asyncio", "mock")):
            port, pid, token = servers[name]
            script = wrk.report_script(prepared.devices, prepared.platforms, token, base_ms)
            before = cpu_seconds(pid)
            done = wrk.run(port, script, seconds, CONNECTIONS)
            found[name].append(done.requests_per_second)
            found[f"{name}_cpu_us"].append((cpu_seconds(pid) - before) / max(1, done.requests) * 1e6)
    return found


def main(argv: Sequence[str] | None = None) -> int:
    parser = bench_parser(__doc__)
    parser.set_defaults(rounds=60, duration=0.5)
    parser.add_argument("--wrk-rounds", type=int, default=8, help="wrk rounds (default %(default)s)")
    parser.add_argument("--wrk-seconds", type=int, default=3, help="seconds of one wrk run (default %(default)s)")
    args = parser.parse_args(argv)
    rounds, duration, warmup, together = (1, 0.2, 0.2, (1, 0.5)) if args.quick else (
        args.rounds, args.duration, 1.0, (5, 4.0))
    by_wrk = ((1, 1) if args.quick else (args.wrk_rounds, args.wrk_seconds)) if wrk.available() else None
    emit("single report POST", measure(rounds, duration, warmup, together, by_wrk), args.json_path,
         quick=args.quick)
    return 0


if __name__ == "__main__":
    sys.exit(main())
