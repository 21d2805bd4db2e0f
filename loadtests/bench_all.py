"""Run every DESIGN 6 benchmark in turn and print one line per target at the end.

    python -m loadtests.bench_all            # full runs (several minutes; keep the machine otherwise idle)
    python -m loadtests.bench_all --quick    # seconds; proves the benchmarks work (CI), numbers mean nothing

Each benchmark also runs alone (``python -m loadtests.bench_report`` ...). Fleet creation and memory are the
fleet's own benchmark (loadtests/bench_fleet.py), run here too as a subprocess.
"""

from __future__ import annotations

import argparse
import json
import subprocess
import sys
import tempfile
from collections.abc import Sequence
from pathlib import Path

__all__ = ["BENCHMARKS", "main"]

BENCHMARKS = ("bench_report", "bench_batch", "bench_locust", "bench_scenarios", "bench_cli", "bench_scale",
              "bench_state", "bench_durability", "bench_simulate", "bench_hostile")


def _run(module: str, quick: bool, json_path: Path) -> int:
    command = [sys.executable, "-m", f"loadtests.{module}", "--json", str(json_path), *(["--quick"] if quick else [])]
    return subprocess.run(command, timeout=1800, check=False).returncode


def main(argv: Sequence[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--quick", action="store_true")
    parser.add_argument("--json-dir", help="keep each benchmark's JSON here (default: a temporary folder)")
    args = parser.parse_args(argv)
    folder = Path(args.json_dir or tempfile.mkdtemp(prefix="mtdsim-bench-"))
    folder.mkdir(parents=True, exist_ok=True)
    failed = [m for m in BENCHMARKS if _run(m, args.quick, folder / f"{m}.json") != 0]
    fleet = Path(__file__).with_name("bench_fleet.py")
    if fleet.exists():
        command = [sys.executable, str(fleet), *(["--quick"] if args.quick else [])]
        if subprocess.run(command, timeout=1800, check=False).returncode != 0:
            failed.append("bench_fleet")
    print(f"\n{'target':<56} {'measured':>12} {'target':>10} {'ratio':>6}  meets")
    for path in sorted(folder.glob("bench_*.json")):
        for m in json.loads(path.read_text(encoding="utf-8"))["measures"]:
            context = m["meets"] is None  # a number beside the target above it, not a target
            target, ratio = ("-", "-") if context else (f"{m['target']:.4g}", f"{m['ratio']:.2f}")
            print(f"{m['name']:<56} {m['measured']:>12.4g} {target:>10} {ratio:>6}  {'-' if context else m['meets']}")
    print(f"JSON in {folder}")
    if failed:
        print(f"benchmarks that did not run to the end: {', '.join(failed)}", file=sys.stderr)
    return 1 if failed else 0


if __name__ == "__main__":
    sys.exit(main())
