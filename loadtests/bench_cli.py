"""Benchmark: ``mtdsim --help`` wall time (target < 0.3 s) and ``mtdsim serve`` time to accept connections
(target < 1 s), each the median of several fresh processes, with a bare ``python -c pass`` as the same-run
baseline. Also lists the imports that cost most under ``mtdsim --help`` (``python -X importtime``).
``python -m loadtests.bench_cli [--rounds 7] [--quick]``
"""

from __future__ import annotations

import shutil
import statistics
import subprocess
import sys
import time
from collections.abc import Sequence

from loadtests.benchlib import SERVER_CPU, Measure, bench_parser, emit
from loadtests.mockproc import free_port, pinned, stop_process, wait_for_port

__all__ = ["heaviest_imports", "main", "mtdsim_command"]


def mtdsim_command() -> list[str]:
    """The installed console script when there is one (what users type), else ``python -m simulator``."""
    script = shutil.which("mtdsim")
    return [script] if script else [sys.executable, "-m", "simulator"]


def _wall(command: Sequence[str]) -> float:
    start = time.perf_counter()
    subprocess.run(pinned(command, SERVER_CPU), capture_output=True, timeout=30, check=True)
    return time.perf_counter() - start


def _serve_ready() -> float:
    port = free_port()
    start = time.perf_counter()
    command = [*mtdsim_command(), "serve", "--host", "127.0.0.1", "--port", str(port)]
    process = subprocess.Popen(pinned(command, SERVER_CPU), stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
    try:
        wait_for_port(port, 20.0)
        return time.perf_counter() - start
    finally:
        stop_process(process)


def heaviest_imports(top: int = 12) -> list[tuple[str, float]]:
    """(module, cumulative ms) of the costliest top-level imports under ``mtdsim --help``."""
    done = subprocess.run([sys.executable, "-X", "importtime", "-m", "simulator", "--help"], capture_output=True,
                          text=True, timeout=30, check=True)
    costs = []
    for line in done.stderr.splitlines():
        parts = line.split("|")
        if len(parts) == 3 and parts[1].strip().isdigit():
            name = parts[2].rstrip()
            if len(name) - len(name.lstrip()) <= 1:  # top-level imports only (nesting is shown by indentation)
                costs.append((name.strip(), int(parts[1]) / 1000))
    return sorted(costs, key=lambda item: -item[1])[:top]


def measure(rounds: int) -> list[Measure]:
    bare, help_, ready = [], [], []
    for _ in range(rounds):  # interleaved, so a slow episode hits all three
        bare.append(_wall([sys.executable, "-c", "pass"]))
        help_.append(_wall([*mtdsim_command(), "--help"]))
        ready.append(_serve_ready())
    bare_ms = statistics.median(bare)
    imports = heaviest_imports()
    return [
        Measure("mtdsim --help wall time", statistics.median(help_), "s", 0.3, higher_is_better=False,
                baseline=bare_ms, detail={"runs": help_, "python_c_pass": bare, "heaviest_imports_ms": imports}),
        Measure("mtdsim serve ready to accept", statistics.median(ready), "s", 1.0, higher_is_better=False,
                baseline=bare_ms, detail={"runs": ready}),
    ]


def main(argv: Sequence[str] | None = None) -> int:
    args = bench_parser(__doc__).parse_args(argv)
    measures = measure(1 if args.quick else max(args.rounds, 7))
    emit("CLI start-up", measures, args.json_path, quick=args.quick)
    print("heaviest imports under mtdsim --help (cumulative ms):")
    for name, ms in measures[0].detail["heaviest_imports_ms"]:
        print(f"  {ms:8.1f}  {name}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
