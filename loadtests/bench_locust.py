"""Benchmark: our Locust partner-console user (token flow, weighted task choice, sampled contract checks) against
a bare FastHttpUser on the same endpoint (POST /partner/v1/heartbeat). Target (DESIGN 6): >= 0.8x req/s.

Both Locust processes (50 users each, constant(0) wait) run for the whole benchmark on CPU 1, each against its own
mock on CPU 0, but they take turns: the one whose turn it is not is stopped (SIGSTOP). Every round gives each a
one-second turn, in alternating order; a turn's rate is the growth of its mock's heartbeat counter
(``/_sim/stats``) over the turn. The result is the median of the per-round ratios. Separate 10-s runs per side,
a fresh mock each round, met different spells of the machine: per-round ratios went from 0.68 to 1.10 in one run.
Two bare users taking turns this way measured 0.997, 0.997 and 0.986 against each other (30 rounds, 2026-12-02).
``python -m loadtests.bench_locust [--rounds 30] [--duration 1] [--quick]``  (duration: one turn)
"""

from __future__ import annotations

import os
import signal
import statistics
import subprocess
import sys
import tempfile
import time
from collections.abc import Iterator, Sequence
from contextlib import ExitStack, contextmanager
from pathlib import Path
from typing import IO, Any

from loadtests.benchlib import CLIENT_CPU, Measure, bench_parser, emit, median_ratio, start_prepared_mock
from loadtests.mockproc import pinned, stop_process
from loadtests.target import fetch_stats
from simulator.errors import SimulationError

__all__ = ["main", "measure"]

HERE = Path(__file__).resolve().parent
USERS, SEED = 50, 1
START_TIMEOUT = 60.0  # seconds for a Locust process to import, prepare its target and send its first heartbeat
SETTLE = 0.05  # after a stop: the requests already sent reach the mock's counter


class _Contender:
    """One Locust process and the mock it loads; the process runs only during its turns."""

    def __init__(self, name: str, process: subprocess.Popen[bytes], mock: Any, log: IO[bytes]) -> None:
        self.name, self.process, self.mock, self.log = name, process, mock, log

    def heartbeats(self) -> int:
        if self.process.poll() is not None:
            self.log.seek(0)
            tail = self.log.read()[-1500:].decode(errors="replace")
            code = self.process.returncode
            raise SimulationError(f"the {self.name} Locust process ended early (exit {code}): {tail}")
        return int(fetch_stats(self.mock.url, self.mock.control_key)["traffic"]["heartbeats"])

    def pause(self) -> None:
        self.process.send_signal(signal.SIGSTOP)

    def turn(self, seconds: float) -> float:
        """Heartbeats per second during one turn of ``seconds``."""
        before = self.heartbeats()
        self.process.send_signal(signal.SIGCONT)
        started = time.perf_counter()
        time.sleep(seconds)
        self.pause()
        elapsed = time.perf_counter() - started
        time.sleep(SETTLE)
        return (self.heartbeats() - before) / elapsed


@contextmanager
def _contender(name: str, locustfile: str, extra: Sequence[str], run_limit: float) -> Iterator[_Contender]:
    prepared = start_prepared_mock(seed=SEED)
    with prepared.mock, tempfile.TemporaryFile() as log:
        mock = prepared.mock
        # The bare user reads the token, ours the control key (--mtd-control-key); each ignores the other.
        env = {**os.environ, "MTDSIM_BENCH_TOKEN": prepared.token, "MTDSIM_CONTROL_KEY": mock.control_key}
        command = [sys.executable, "-m", "locust", "-f", str(HERE / locustfile), "--headless", "--only-summary",
                   "-u", str(USERS), "-r", str(USERS), "-t", f"{run_limit:.0f}s", "--stop-timeout", "2",
                   "--host", mock.url, "--loglevel", "ERROR", *extra]
        process = subprocess.Popen(pinned(command, CLIENT_CPU), stdout=subprocess.DEVNULL, stderr=log, env=env)
        try:
            yield _Contender(name, process, mock, log)
        finally:
            process.send_signal(signal.SIGCONT)  # a stopped process would not act on SIGTERM
            stop_process(process, signal.SIGTERM)


def _wait_until_sending(contenders: Sequence[_Contender]) -> None:
    deadline = time.monotonic() + START_TIMEOUT
    while any(c.heartbeats() < USERS for c in contenders):
        if time.monotonic() > deadline:
            raise SimulationError(f"a Locust process sent no heartbeats within {START_TIMEOUT:g} s")
        time.sleep(0.2)


def measure(rounds: int, duration: float, warmup: float) -> Measure:
    ours_options = ["--mtd-seed", str(SEED), "--mtd-admin-weight", "0", "--mtd-partner-tasks", "heartbeat=1",
                    "--mtd-pool-users", "1", "PartnerConsoleUser"]
    run_limit = START_TIMEOUT + warmup + rounds * 2 * (duration + 1.0)  # Locust stops itself even if we do not
    with ExitStack() as stack:
        contenders = [stack.enter_context(_contender("ours", "locustfile.py", ours_options, run_limit)),
                      stack.enter_context(_contender("bare", "bare_locustfile.py", [], run_limit))]
        _wait_until_sending(contenders)
        time.sleep(warmup)  # both running at once: connections open, caches warm
        for contender in contenders:
            contender.pause()
        rates: dict[str, list[float]] = {c.name: [] for c in contenders}
        for index in range(rounds):
            for contender in contenders if index % 2 == 0 else contenders[::-1]:
                rates[contender.name].append(contender.turn(duration))
    return Measure("our Locust user vs bare FastHttpUser (heartbeat)", median_ratio(rates["ours"], rates["bare"]),
                   "x baseline", 0.8, baseline=statistics.median(rates["bare"]),
                   detail={"ours_rps": rates["ours"], "bare_rps": rates["bare"], "users": USERS, "turn_s": duration})


def main(argv: Sequence[str] | None = None) -> int:
    parser = bench_parser(__doc__)
    parser.set_defaults(rounds=30, duration=1.0)
    args = parser.parse_args(argv)
    rounds, duration, warmup = (1, 0.3, 0.2) if args.quick else (args.rounds, args.duration, 2.0)
    emit("Locust users", [measure(rounds, duration, warmup)], args.json_path, quick=args.quick)
    return 0


if __name__ == "__main__":
    sys.exit(main())
