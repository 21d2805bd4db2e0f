"""A load test in one command: start ``mtdsim serve`` on a free port, run Locust headless against it for a bounded
time, stop the server, and exit by the thresholds.

    python -m loadtests.run --users 20 --run-time 20s --threshold "p95_ms < 250" --threshold "fail_ratio <= 0.01"
    python -m loadtests.run --profile loadtests/profiles/smoke.yaml --processes 2

Exit code: 0 when every threshold passed (or none was given and no request failed), 3 when a threshold failed,
1 when requests failed and no threshold was given, 2 when the run could not be set up. Anything after ``--`` goes
to locust unchanged (e.g. ``-- --mtd-shape ramp --mtd-batch-size 100 --html report.html``).
"""

from __future__ import annotations

import argparse
import json
import os
import signal
import subprocess
import sys
import tempfile
from collections.abc import Mapping, Sequence
from pathlib import Path
from typing import Any

from loadtests.mockproc import pinned, start_mock
from loadtests.options import load_profile
from simulator.errors import MtdSimError

__all__ = ["build_parser", "locust_command", "main", "parse_seconds"]

LOCUSTFILE = Path(__file__).with_name("locustfile.py")


def build_parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(prog="python -m loadtests.run", description=__doc__,
                                     formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--profile", help="load profile YAML: users, spawn_rate, run_time, processes, "
                                          "locust_args, thresholds")
    parser.add_argument("-u", "--users", type=int, help="peak users (default 10)")
    parser.add_argument("-r", "--spawn-rate", type=float, help="users started per second (default 10)")
    parser.add_argument("-t", "--run-time", help="how long, e.g. 20s, 5m (default 15s)")
    parser.add_argument("--processes", type=int, help="locust worker processes (master + N workers)")
    parser.add_argument("--threshold", action="append", default=[], help="'[endpoint:] metric op value'")
    parser.add_argument("--seed", type=int, help="load-test seed (default random, printed)")
    parser.add_argument("--summary", help="write the JSON summary here (default: a temporary file)")
    parser.add_argument("--pin", action="store_true", help="pin the mock to CPU 0 and locust to the others")
    parser.add_argument("locust_args", nargs="*", help="after --: extra locust arguments")
    return parser


def parse_seconds(text: str) -> float:
    """Locust-style durations: 90, 90s, 5m, 1h30m."""
    total, number = 0.0, ""
    for char in text.strip():
        if char.isdigit() or char == ".":
            number += char
        elif char in "hms" and number:
            total += float(number) * {"h": 3600, "m": 60, "s": 1}[char]
            number = ""
        else:
            raise MtdSimError(f"cannot read duration {text!r}")
    return total + (float(number) if number else 0.0)


def _setting(args: argparse.Namespace, profile: Mapping[str, Any], name: str, default: Any) -> Any:
    value = getattr(args, name)
    return value if value is not None else profile.get(name, default)


def locust_command(args: argparse.Namespace, profile: Mapping[str, Any], host: str, control_key: str,
                   summary: str) -> list[str]:
    command = [sys.executable, "-m", "locust", "-f", str(LOCUSTFILE), "--headless", "--only-summary",
               "--host", host, f"--mtd-control-key={control_key}", "--mtd-summary", summary,
               "-u", str(_setting(args, profile, "users", 10)), "-r", str(_setting(args, profile, "spawn_rate", 10)),
               "-t", str(_setting(args, profile, "run_time", "15s")), "--stop-timeout", "5"]
    processes = _setting(args, profile, "processes", None)
    if processes:
        command += ["--processes", str(processes)]
    if args.seed is not None:
        command += ["--mtd-seed", str(args.seed)]
    if args.profile:
        command += ["--mtd-profile", args.profile]
    for threshold in args.threshold:
        command += ["--mtd-threshold", threshold]
    return [*command, *map(str, profile.get("locust_args", [])), *args.locust_args]


def print_summary(summary: Mapping[str, Any]) -> None:
    print(f"\n{'endpoint':<58} {'requests':>9} {'fail %':>7} {'p95 ms':>8} {'req/s':>9}")
    for row in summary["stats"]:
        name = f"{row['method']} {row['name']}".strip()
        print(f"{name:<58} {row['requests']:>9} {100 * row['failRatio']:>7.2f} {row['p95_ms']:>8.0f} "
              f"{row['rps']:>9.1f}")
    reports = summary["reports"]
    print(f"threat reports: {reports['reportsSent']} sent, {reports['reportsAccepted']} accepted, "
          f"rejected {reports['rejected'] or 'none'}, contract violations {reports['contractViolations']}")
    for outcome in summary["thresholds"]:
        print(f"{'PASS' if outcome['passed'] else 'FAIL'}  {outcome['threshold']}  (measured {outcome['actual']})")


def main(argv: Sequence[str] | None = None) -> int:
    args = build_parser().parse_args(argv)
    try:
        profile = load_profile(args.profile) if args.profile else {}
        run_time = parse_seconds(str(_setting(args, profile, "run_time", "15s")))
    except MtdSimError as exc:
        print(f"loadtests.run: {exc}", file=sys.stderr)
        return 2
    # SIGTERM (CI timeouts) unwinds like Ctrl-C, so the mock we started is stopped by pid, not orphaned.
    signal.signal(signal.SIGTERM, signal.default_int_handler)
    summary = args.summary or str(Path(tempfile.mkdtemp(prefix="mtdsim-load-")) / "summary.json")
    try:
        mock = start_mock(cpus="0" if args.pin else None)
    except MtdSimError as exc:
        print(f"loadtests.run: cannot start mtdsim serve: {exc}", file=sys.stderr)
        return 2
    with mock:
        print(f"mtdsim serve on {mock.url} (pid {mock.process.pid})", flush=True)
        command = pinned(locust_command(args, profile, mock.url, mock.control_key, summary),
                         f"1-{max(1, (os.cpu_count() or 2) - 1)}" if args.pin else None)
        try:  # bounded: run time + spawn/stop margin
            code = subprocess.run(command, timeout=run_time + 120, check=False).returncode
        except subprocess.TimeoutExpired:
            print("loadtests.run: locust did not finish in time", file=sys.stderr)
            return 2
    if Path(summary).exists():
        print_summary(json.loads(Path(summary).read_text(encoding="utf-8")))
        print(f"summary: {summary}")
    return code


if __name__ == "__main__":
    sys.exit(main())
