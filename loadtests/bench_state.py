"""Benchmark: report throughput of ``mtdsim serve --state DIR`` (checkpoints every second) against the same mock
in memory. Target (DESIGN 6): >= 0.7x, for single reports and for batches of 1000.

Both mocks run side by side for the whole benchmark (pinned to CPU 0) and take turns as in bench_report: one load
generator (pinned to CPU 1) keeps its connections open to each and gives each a half-second turn per round; the
median of per-round ratios is the figure. The durable mock's checkpoints (a capture on the loop, the SQLite
transaction in a worker thread) land inside its turns, so their cost is in its rate.
``python -m loadtests.bench_state [--rounds 30] [--duration 0.5] [--quick]``  (duration: one turn)
"""

from __future__ import annotations

import statistics
import sys
import tempfile
from collections.abc import Sequence
from contextlib import ExitStack
from typing import Any

from loadtests.benchlib import Measure, PreparedMock, bench_parser, emit, median_ratio, start_prepared_mock, take_turns
from loadtests.target import call

__all__ = ["main", "measure"]

BATCH, BATCH_CONNECTIONS, SINGLE_CONNECTIONS, MINUTE_MS = 1000, 4, 50, 60_000
TARGET = 0.7


def _targets(mocks: dict[str, PreparedMock], base_ms: int) -> list[dict[str, Any]]:
    """Each mock with its own token (their signing keys differ); the same devices (the same seed prepared both)."""
    return [{"name": name, "port": m.mock.port, "token": m.token, "base_ms": base_ms} for name, m in mocks.items()]


def _store(mock: PreparedMock) -> dict[str, Any]:
    answer: dict[str, Any] = call("GET", f"{mock.mock.url}/_sim/store",
                                  headers={"X-Mtdsim-Control-Key": mock.mock.control_key}).body
    return answer


def measure(rounds: int, duration: float, warmup: float) -> list[Measure]:
    with ExitStack() as stack:
        state_dir = stack.enter_context(tempfile.TemporaryDirectory(prefix="mtdsim-bench-state-"))
        devices = BATCH * BATCH_CONNECTIONS
        memory = start_prepared_mock(devices=devices)
        stack.enter_context(memory.mock)
        durable = start_prepared_mock(devices=devices, extra=("--state", state_dir))
        stack.enter_context(durable.mock)
        mocks = {"memory": memory, "state": durable}
        now_ms = min(memory.now_ms, durable.now_ms)
        rates: dict[str, dict[str, list[float]]] = {}
        for kind, connections, start in (("single", SINGLE_CONNECTIONS, 40), ("batch", BATCH_CONNECTIONS, 20)):
            template = memory.report_config(kind, 0, connections=connections, batch=BATCH)
            take_turns(template, _targets(mocks, now_ms - (start + 5) * MINUTE_MS), warmup, 1)  # not counted
            rates[kind] = take_turns(template, _targets(mocks, now_ms - start * MINUTE_MS), duration, rounds)
        store = _store(durable)
    measures = []
    for kind, label in (("single", "single report"), ("batch", "batch of 1000")):
        state, mem = rates[kind]["state"], rates[kind]["memory"]
        unit = BATCH if kind == "batch" else 1
        measures.append(Measure(f"{label} with --state vs in memory", median_ratio(state, mem), "x in-memory",
                                TARGET, baseline=statistics.median(mem) * unit,
                                detail={"state_reports_per_s": [r * unit for r in state],
                                        "memory_reports_per_s": [r * unit for r in mem]}))  # fmt: skip
    last = store.get("lastCheckpoint") or {}
    measures.append(Measure("  checkpoints during the run (context)", float(store.get("checkpoints", 0)), "count",
                            0.0, context=True, detail={"last": last}))  # fmt: skip
    return measures


def main(argv: Sequence[str] | None = None) -> int:
    parser = bench_parser(__doc__)
    parser.set_defaults(rounds=30, duration=0.5)
    args = parser.parse_args(argv)
    rounds, duration, warmup = (1, 0.3, 0.2) if args.quick else (args.rounds, args.duration, 1.0)
    emit("durable state vs in memory", measure(rounds, duration, warmup), args.json_path, quick=args.quick)
    return 0


if __name__ == "__main__":
    sys.exit(main())
