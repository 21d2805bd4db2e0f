"""What every benchmark shares: options, child servers pinned to core 0, the load generator pinned to core 1,
turns with the median of per-round ratios, and output as a table plus one JSON document.

The machine is noisy (reference/performance.md: 15-45 % spread between 10 s runs), so every HTTP comparison
keeps baseline and candidate up for the whole run, gives them turns of a second or less and reports the median of
the per-round ratios (``take_turns``; bench_locust stops the Locust process whose turn it is not).
"""

from __future__ import annotations

import argparse
import json
import os
import statistics
import subprocess
import sys
from collections.abc import Mapping, Sequence
from concurrent.futures import ThreadPoolExecutor
from dataclasses import asdict, dataclass, field
from pathlib import Path
from typing import Any

from loadtests.mockproc import free_port, pinned, stop_process, wait_for_port
from simulator.errors import SimulationError

__all__ = [
    "Measure",
    "accepted_only",
    "bench_parser",
    "cpu_seconds",
    "emit",
    "loaded_together",
    "loadgen",
    "median_ratio",
    "start_baseline",
    "take_turns",
    "turn_targets",
]

SERVER_CPU, CLIENT_CPU = "0", "1"


@dataclass(frozen=True, slots=True)
class Measure:
    """One benchmark line. ``ratio`` is measured/target for floors, target/measured for ceilings (>= 1 meets)."""

    name: str
    measured: float
    unit: str
    target: float
    higher_is_better: bool = True
    baseline: float | None = None
    detail: dict[str, Any] = field(default_factory=dict)
    context: bool = False  # a number printed beside a target, not a target: no verdict

    @property
    def ratio(self) -> float:
        if self.higher_is_better:
            return self.measured / self.target if self.target else 0.0
        return self.target / self.measured if self.measured else 0.0

    @property
    def meets(self) -> bool:
        return self.ratio >= 1.0


def bench_parser(description: str | None) -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(description=description,
                                     formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--quick", action="store_true", help="tiny run that only proves the benchmark works")
    parser.add_argument("--rounds", type=int, default=5, help="interleaved rounds (default %(default)s)")
    parser.add_argument("--duration", type=float, default=5.0,
                        help="seconds of load per measurement (default %(default)s)")
    parser.add_argument("--json", dest="json_path", help="also write the JSON document here")
    return parser


def median_ratio(candidate: Sequence[float], baseline: Sequence[float]) -> float:
    """Median of per-round ratios (rounds paired by index: the same slow episode hits both)."""
    ratios = [c / b for c, b in zip(candidate, baseline, strict=True) if b]
    return statistics.median(ratios) if ratios else 0.0


def emit(title: str, measures: Sequence[Measure], json_path: str | None = None, *, quick: bool = False) -> None:
    """Print a table and a JSON document (quick runs say so: their numbers mean nothing)."""
    print(f"\n{title}{'  (quick mode: numbers are not measurements)' if quick else ''}")
    print(f"{'measure':<52} {'measured':>12} {'unit':<12} {'target':>10} {'baseline':>10} {'ratio':>6}  ok")
    for m in measures:
        base = f"{m.baseline:,.4g}" if m.baseline is not None else "-"
        target, ratio, verdict = ("-", "-", "-") if m.context else (f"{m.target:,.4g}", f"{m.ratio:.2f}",
                                                                      "yes" if m.meets else "NO")
        print(f"{m.name:<52} {m.measured:>12,.4g} {m.unit:<12} {target:>10} {base:>10} {ratio:>6}  {verdict}")
    document = {"title": title, "quick": quick, "measures": [
        {**asdict(m), "ratio": round(m.ratio, 3), "meets": None if m.context else m.meets} for m in measures]}
    text = json.dumps(document, indent=2)
    print(text)
    if json_path:
        Path(json_path).write_text(text, encoding="utf-8")


def loadgen(config: dict[str, Any], timeout_margin: float = 60.0) -> dict[str, Any]:
    """Run loadtests.loadgen in its own process pinned to the client core; returns its JSON result."""
    command = pinned([sys.executable, "-m", "loadtests.loadgen"], CLIENT_CPU)  # config on stdin: it can be big
    done = subprocess.run(command, input=json.dumps(config), capture_output=True, text=True,
                          timeout=float(config["duration"]) + timeout_margin, check=False)
    if done.returncode != 0:
        raise SimulationError(f"load generator failed: {done.stderr[-2000:]}")
    result: dict[str, Any] = json.loads(done.stdout.strip().splitlines()[-1])
    return result


def cpu_seconds(pid: int) -> float:
    """User plus system CPU time a process has used so far (Linux ``/proc/<pid>/stat``, 10 ms ticks)."""
    fields = Path(f"/proc/{pid}/stat").read_text(encoding="ascii").rsplit(")", 1)[1].split()
    return (int(fields[11]) + int(fields[12])) / os.sysconf("SC_CLK_TCK")


def loaded_together(configs: Mapping[int, dict[str, Any]]) -> dict[int, float]:
    """Load every server at once, one load generator each (``configs`` by server pid); CPU microseconds each
    server spent per answered request.

    Servers that share core 0 at the same moment share its slow and fast spells too, so the ratio of their costs
    does not move with the machine the way alternating slices do. Sharing the core costs both servers cache
    warmth, so the absolute costs are higher than when each runs alone.
    """
    before = {pid: cpu_seconds(pid) for pid in configs}
    with ThreadPoolExecutor(len(configs)) as pool:
        results = dict(zip(configs, pool.map(loadgen, configs.values()), strict=True))
    spent = {pid: cpu_seconds(pid) - before[pid] for pid in configs}
    return {pid: spent[pid] / max(1, results[pid]["ok"]) * 1e6 for pid in configs}


def turn_targets(ports: Mapping[str, int], base_ms: int) -> list[dict[str, Any]]:
    """``take_turns`` targets by name: "mock" keeps the template's bearer token, the baselines send none (they
    ignore it). All start their report times at ``base_ms``."""
    return [{"name": name, "port": port, "base_ms": base_ms, **({} if name == "mock" else {"token": ""})}
            for name, port in ports.items()]


def take_turns(template: dict[str, Any], targets: list[dict[str, Any]], turn: float,
               rounds: int) -> dict[str, list[float]]:
    """Answers per second of each of ``targets`` in each of ``rounds`` turns of ``turn`` seconds, from one load
    generator that keeps every server's connections open (loadtests/loadgen.py, ``targets``)."""
    result = loadgen({**template, "targets": targets, "slice": turn, "rounds": rounds,
                      "duration": turn * rounds * len(targets)})  # bounds the run's timeout
    failed = {name: count for name, count in result["bad"].items() if count}
    if failed:
        raise SimulationError(f"failed answers during the benchmark: {failed}")
    return {name: [float(rate) for rate in rates] for name, rates in result["turns"].items()}


def accepted_only(traffic: Mapping[str, Any]) -> Mapping[str, Any]:
    """The mock's traffic counters, checked: a benchmark whose reports were rejected (stale, unknown device) did not
    measure real updates, since a rejection costs the mock less than storing a report."""
    if traffic["reportsRejected"]:
        raise SimulationError(f"the mock rejected reports during the benchmark: {traffic['reportsRejected']}")
    return traffic


class ChildServer:
    """A server process we started (pinned to the server core); stopped by pid with SIGINT, then SIGKILL."""

    def __init__(self, command: Sequence[str], port: int) -> None:
        self.port = port
        self.process = subprocess.Popen(pinned(command, SERVER_CPU), stdout=subprocess.DEVNULL,
                                        stderr=subprocess.DEVNULL)
        try:
            wait_for_port(port, 20.0)
        except SimulationError:
            self.stop()
            raise

    def stop(self) -> None:
        stop_process(self.process)

    def __enter__(self) -> ChildServer:
        return self

    def __exit__(self, *exc: object) -> None:
        self.stop()


def start_baseline(*, uvloop: bool = False) -> ChildServer:
    """The bare aiohttp parse-and-store server; ``uvloop`` runs it on the loop ``mtdsim serve`` uses."""
    port = free_port()
    command = [sys.executable, "-m", "loadtests.baseline_server", "--port", str(port), *(["--uvloop"] * uvloop)]
    return ChildServer(command, port)


@dataclass(frozen=True, slots=True)
class PreparedMock:
    """A pinned ``mtdsim serve`` with the load tenant prepared: a partner token and 1000 enrolled devices."""

    mock: Any  # loadtests.mockproc.MockProcess
    token: str
    devices: list[str]
    platforms: list[str]
    now_ms: int

    def report_config(self, kind: str, base_ms: int, **extra: Any) -> dict[str, Any]:
        return {"port": self.mock.port, "kind": kind, "path": "/partner/v1/deviceThreatReports",
                "token": self.token, "devices": self.devices, "platforms": self.platforms, "base_ms": base_ms,
                **extra}


def start_prepared_mock(seed: int = 1, devices: int = 1000, extra: Sequence[str] = ()) -> PreparedMock:
    """Start the mock on the server core and prepare it (100 users x 10 devices by default); ``extra`` are more
    ``mtdsim serve`` options."""
    from loadtests.ids import device_id, device_platform
    from loadtests.mockproc import start_mock
    from loadtests.target import fetch_token, jwt_claims, prepare

    mock = start_mock(extra, cpus=SERVER_CPU)
    try:
        users = max(1, devices // 10)
        creds = prepare(mock.url, mock.control_key, seed, workers=1, users=users, per_user=10)
        token = fetch_token(mock.url, creds.tenant_id, creds.partner_client_id, creds.partner_secret)["access_token"]
    except BaseException:
        mock.stop()
        raise
    slots = [(u, n) for u in range(users) for n in range(10)]
    return PreparedMock(mock, token, [device_id(seed, 0, u, n) for u, n in slots],
                        [device_platform(u, n) for u, n in slots], int(jwt_claims(token)["iat"]) * 1000)
