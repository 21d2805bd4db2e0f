"""Benchmark: ``mtdsim simulate`` cost per device-day at a large fleet against a small one. Target (DESIGN 6):
the large fleet's cost per device-day within 1.3x of the small one's (linear in devices x virtual days).

Each fleet runs ``mtdsim simulate`` (embedded mock, the default profile) in a fresh process pinned to CPU 0, the
same number of virtual days, and reports its wall time per phase from the progress callback: enrolment, the
partner's device list, the ticks (traffic), the compliance read-back through Graph. The verdict is the whole run's
cost per device-day; each phase's ratio is printed beside it, so a phase that grows faster than the fleet shows.
Sizes alternate small, large, small, large ... for ``--rounds`` pairs; the figure is the median of per-pair ratios.
``python -m loadtests.bench_simulate [--small 10000] [--large 200000] [--days 1] [--rounds 1] [--quick]``
"""

from __future__ import annotations

import json
import statistics
import subprocess
import sys
from collections.abc import Sequence
from typing import Any

from loadtests.benchlib import SERVER_CPU, Measure, bench_parser, emit, median_ratio
from loadtests.mockproc import pinned

__all__ = ["main", "measure", "run_once"]

TARGET = 1.3
PHASES = ("enroll", "devices", "simulate", "read-back")
_CHILD = """
import asyncio, json, sys, time
from simulator.consoles.simulation import SimulationConfig, simulate
devices, days = int(sys.argv[1]), float(sys.argv[2])
marks = {}
def progress(phase, done, total):
    now = time.perf_counter()
    marks.setdefault(phase, [now, now])[1] = now
start = time.perf_counter()
result = asyncio.run(simulate(SimulationConfig(seed=7, android=devices // 2, ios=devices - devices // 2, days=days),
                              progress))
phases = {p: end - begin for p, (begin, end) in marks.items()}
print(json.dumps({"total": time.perf_counter() - start, "phases": phases, "reports": result.stats.reports_sent}))
"""


def run_once(devices: int, days: float, timeout: float = 7200.0) -> dict[str, Any]:
    """One ``simulate`` run in a fresh process: total and per-phase wall seconds, reports sent."""
    done = subprocess.run(pinned([sys.executable, "-c", _CHILD, str(devices), str(days)], SERVER_CPU),
                          capture_output=True, text=True, timeout=timeout, check=True)  # fmt: skip
    result: dict[str, Any] = json.loads(done.stdout.strip().splitlines()[-1])
    return result


def measure(small: int, large: int, days: float, rounds: int) -> list[Measure]:
    runs: dict[int, list[dict[str, Any]]] = {small: [], large: []}
    for _ in range(rounds):
        for size in (small, large):
            runs[size].append(run_once(size, days))

    def per_device_day(size: int, key: str | None) -> list[float]:
        return [(r["total"] if key is None else r["phases"].get(key, 0.0)) / (size * days) for r in runs[size]]

    big, little = per_device_day(large, None), per_device_day(small, None)
    measures = [Measure(f"simulate cost per device-day, {large:,} vs {small:,} devices", median_ratio(big, little),
                        "x small fleet", TARGET, higher_is_better=False, baseline=statistics.median(little) * 1e6,
                        detail={"runs": runs, "days": days})]  # fmt: skip
    for phase in PHASES:
        ratio = median_ratio(per_device_day(large, phase), per_device_day(small, phase))
        measures.append(Measure(f"  {phase} phase, same ratio (context)", ratio, "x small fleet", TARGET,
                                higher_is_better=False, context=True,
                                baseline=statistics.median(per_device_day(small, phase)) * 1e6))  # fmt: skip
    print(f"small fleet: {statistics.median(little) * 1e6:.1f} us per device-day; "
          f"large fleet: {statistics.median(big) * 1e6:.1f} us per device-day")
    return measures


def main(argv: Sequence[str] | None = None) -> int:
    parser = bench_parser(__doc__)
    parser.add_argument("--small", type=int, default=10_000, help="devices of the small fleet")
    parser.add_argument("--large", type=int, default=200_000, help="devices of the large fleet")
    parser.add_argument("--days", type=float, default=1.0, help="virtual days each fleet runs")
    parser.set_defaults(rounds=1)
    args = parser.parse_args(argv)
    small, large, days, rounds = (300, 1200, 0.25, 1) if args.quick else (args.small, args.large, args.days,
                                                                          args.rounds)  # fmt: skip
    emit("mtdsim simulate, linear in devices x days", measure(small, large, days, rounds), args.json_path,
         quick=args.quick)  # fmt: skip
    return 0


if __name__ == "__main__":
    sys.exit(main())
