"""Benchmark: a scenario spanning 14 virtual days (target < 0.2 s wall) and the shipped suite (target < 10 s).

The 14-day scenario below heartbeats and reports daily, advances the virtual clock a day at a time, and lets the
connector go unresponsive and come back, checking compliance along the way; its time is the runner's own
per-scenario time against the embedded mock (start-up of the mock is reported apart). The suite is timed the way a
user runs it: ``mtdsim run scenarios/`` in a fresh process, wall time included start-up.
``python -m loadtests.bench_scenarios [--rounds 5] [--quick]``
"""

from __future__ import annotations

import asyncio
import statistics
import subprocess
import sys
import time
from collections.abc import Sequence
from pathlib import Path

from loadtests.bench_cli import mtdsim_command
from loadtests.benchlib import SERVER_CPU, Measure, bench_parser, emit
from loadtests.mockproc import pinned
from simulator.errors import SimulationError

__all__ = ["FOURTEEN_DAYS", "main", "measure"]

_DAY = """
  - heartbeat: demo
  - report: {{device: iphone, threatState: {state}}}
    expect: {{compliance: {{iphone: {compliance}}}}}
  - advance: P1D"""

FOURTEEN_DAYS = (
    """name: fourteen virtual days of daily heartbeats and reports, with an unresponsive spell
tags: [benchmark]
source: "loadtests/bench_scenarios.py: DESIGN 6 target, a scenario spanning 14 virtual days"
given:
  connectors:
    demo: {iosEnabled: true, partnerUnresponsivenessThresholdInDays: 3}
  policies:
    ios: low
  devices:
    iphone: {platform: ios, osVersion: "17.4"}
steps:"""
    + "".join(_DAY.format(state=s, compliance=c) for s, c in [("secured", "compliant"),
                                                              ("highSeverity", "noncompliant")] * 3)
    + """
  - advance: P4D
    expect: {connectors: {demo: {partnerState: unresponsive}}, compliance: {iphone: compliant}}"""
    + "".join(_DAY.format(state="lowSeverity", compliance="compliant") for _ in range(4))
    + """
  - check: true
    expect: {connectors: {demo: {partnerState: enabled}}}
"""
)


def _fourteen_days_once() -> tuple[float, float]:
    """(scenario seconds, seconds including the embedded mock's start and stop) for one fresh run."""
    from simulator.scenarios import RunOptions, load_text, run_all

    scenarios = load_text(FOURTEEN_DAYS, Path("<bench 14 days>"))
    started = time.perf_counter()
    outcomes = asyncio.run(run_all(scenarios, RunOptions(seed=1)))
    total = time.perf_counter() - started
    if not outcomes[0].passed:
        raise SimulationError(f"the 14-day benchmark scenario failed: {outcomes[0].failure}")
    return outcomes[0].seconds, total


def _suite_once() -> float:
    from simulator.scenarios import shipped_suite

    started = time.perf_counter()
    done = subprocess.run(pinned([*mtdsim_command(), "run", str(shipped_suite())], SERVER_CPU), capture_output=True,
                          text=True, timeout=120, check=False)
    seconds = time.perf_counter() - started
    if done.returncode != 0:
        raise SimulationError(f"mtdsim run of the shipped suite failed ({done.returncode}): {done.stdout[-1500:]}")
    return seconds


def measure(rounds: int) -> list[Measure]:
    scenario, with_mock, suite = [], [], []
    for _ in range(rounds):
        one, total = _fourteen_days_once()
        scenario.append(one)
        with_mock.append(total)
        suite.append(_suite_once())
    return [
        Measure("scenario spanning 14 virtual days", statistics.median(scenario), "s", 0.2, higher_is_better=False,
                detail={"runs": scenario, "with_embedded_mock_start": with_mock}),
        Measure("shipped suite, mtdsim run scenarios/", statistics.median(suite), "s", 10.0, higher_is_better=False,
                detail={"runs": suite}),
    ]


def main(argv: Sequence[str] | None = None) -> int:
    args = bench_parser(__doc__).parse_args(argv)
    emit("scenarios", measure(1 if args.quick else args.rounds), args.json_path, quick=args.quick)
    return 0


if __name__ == "__main__":
    sys.exit(main())
