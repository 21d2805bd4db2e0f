"""Benchmark: our Locust partner-console user (token flow, weighted task choice, sampled contract checks) against
a bare FastHttpUser on the same endpoint (POST /partner/v1/heartbeat). Target (DESIGN 6): >= 0.8x req/s.

Per round: a fresh mock pinned to CPU 0, then both locustfiles headless on CPU 1 (50 users, constant(0) wait),
alternately; the result is the median of per-round ratios of the heartbeat row's req/s.
``python -m loadtests.bench_locust [--rounds 5] [--duration 10] [--quick]``
"""

from __future__ import annotations

import csv
import os
import statistics
import subprocess
import sys
import tempfile
from collections.abc import Sequence
from pathlib import Path

from loadtests.benchlib import CLIENT_CPU, Measure, bench_parser, emit, median_ratio, start_prepared_mock
from loadtests.mockproc import pinned
from simulator.errors import SimulationError

__all__ = ["main", "measure"]

HERE = Path(__file__).resolve().parent
USERS, SEED = 50, 1


def _locust(locustfile: str, host: str, duration: float, extra: Sequence[str], env: dict[str, str]) -> float:
    with tempfile.TemporaryDirectory(prefix="mtdsim-bench-") as tmp:
        prefix = str(Path(tmp) / "run")
        command = [sys.executable, "-m", "locust", "-f", str(HERE / locustfile), "--headless", "--only-summary",
                   "-u", str(USERS), "-r", str(USERS), "-t", f"{duration:g}s", "--stop-timeout", "2", "--host", host,
                   "--csv", prefix, "--loglevel", "ERROR", *extra]
        done = subprocess.run(pinned(command, CLIENT_CPU), capture_output=True, text=True,
                              timeout=duration + 60, env={**os.environ, **env}, check=False)
        stats = Path(f"{prefix}_stats.csv")
        if not stats.exists():
            raise SimulationError(f"locust wrote no stats (exit {done.returncode}): {done.stderr[-1500:]}")
        with stats.open(encoding="utf-8") as handle:
            for row in csv.DictReader(handle):
                if row["Name"] == "/partner/v1/heartbeat":
                    return float(row["Requests/s"])
    raise SimulationError("no heartbeat row in locust's stats")


def measure(rounds: int, duration: float) -> Measure:
    ours: list[float] = []
    bare: list[float] = []
    for _ in range(rounds):
        prepared = start_prepared_mock(seed=SEED)
        with prepared.mock:
            mock = prepared.mock
            ours.append(_locust("locustfile.py", mock.url, duration, [
                "--mtd-control-key", mock.control_key, "--mtd-seed", str(SEED), "--mtd-admin-weight", "0",
                "--mtd-partner-tasks", "heartbeat=1", "--mtd-pool-users", "1", "PartnerConsoleUser"], {}))
            bare.append(_locust("bare_locustfile.py", mock.url, duration, [], {"MTDSIM_BENCH_TOKEN": prepared.token}))
    return Measure("our Locust user vs bare FastHttpUser (heartbeat)", median_ratio(ours, bare), "x baseline", 0.8,
                   baseline=statistics.median(bare),
                   detail={"ours_rps": ours, "bare_rps": bare, "users": USERS})


def main(argv: Sequence[str] | None = None) -> int:
    args = bench_parser(__doc__).parse_args(argv)
    rounds, duration = (1, 2.0) if args.quick else (args.rounds, max(args.duration, 10.0))
    emit("Locust users", [measure(rounds, duration)], args.json_path, quick=args.quick)
    return 0


if __name__ == "__main__":
    sys.exit(main())
