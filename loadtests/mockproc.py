"""Start ``mtdsim serve`` as a child process on a free port, learn its control key, stop it by pid.

Used by the one-command runner, the benchmarks and the distributed test. The child's stdout is drained by a
thread (so it never blocks on a full pipe) and kept for the caller to show when something goes wrong.
"""

from __future__ import annotations

import os
import shutil
import signal
import socket
import subprocess
import sys
import threading
import time
from collections.abc import Sequence
from dataclasses import dataclass, field
from typing import IO, Any

from simulator.control_key import new_control_key
from simulator.errors import SimulationError

__all__ = ["MockProcess", "free_port", "pinned", "start_mock", "stop_process", "wait_for_port"]


def free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        port: int = sock.getsockname()[1]
        return port


def read_banner(stdout: IO[str], lines: int = 40) -> str:
    """What ``mtdsim serve`` printed at start, up to its last banner line (OpenAPI), or all of it if it exited."""
    banner = ""
    for _ in range(lines):
        line = stdout.readline()  # "" once the process died
        banner += line
        if not line or "OpenAPI" in line:
            break
    return banner


def stop_process(process: subprocess.Popen[Any], sig: int = signal.SIGINT, timeout: float = 10.0) -> int:
    """Send ``sig`` (SIGINT: a graceful shutdown), then SIGKILL after ``timeout``; returns the exit code."""
    if process.poll() is None:
        process.send_signal(sig)
        try:
            process.wait(timeout)
        except subprocess.TimeoutExpired:
            process.kill()
            process.wait(5)
    return process.returncode


def pinned(command: Sequence[str], cpus: str | None) -> list[str]:
    """Prefix ``taskset -c cpus`` when asked and available (benchmarks pin server and load generator apart)."""
    if cpus and shutil.which("taskset") and (os.cpu_count() or 1) > 1:
        return ["taskset", "-c", cpus, *command]
    return list(command)


def wait_for_port(port: int, timeout: float, process: subprocess.Popen[Any] | None = None) -> float:
    """Seconds until 127.0.0.1:port accepts a connection; raises after ``timeout``, or as soon as ``process`` (the
    server that should be listening) has exited."""
    start = time.perf_counter()
    while time.perf_counter() - start < timeout:
        if process is not None and process.poll() is not None:
            raise SimulationError(f"the server exited with {process.returncode} before it listened on port {port}")
        try:
            with socket.create_connection(("127.0.0.1", port), timeout=0.2):
                return time.perf_counter() - start
        except OSError:
            time.sleep(0.005)
    raise SimulationError(f"nothing accepted connections on 127.0.0.1:{port} within {timeout:g} s")


@dataclass
class MockProcess:
    process: subprocess.Popen[str]
    port: int
    control_key: str
    lines: list[str] = field(default_factory=list)
    reader: threading.Thread | None = None

    @property
    def url(self) -> str:
        return f"http://127.0.0.1:{self.port}"

    def _drain(self) -> None:
        assert self.process.stdout is not None
        for line in self.process.stdout:
            if len(self.lines) < 500:
                self.lines.append(line.rstrip())

    def output(self) -> str:
        return "\n".join(self.lines)

    def stop(self, timeout: float = 10.0) -> int:
        """SIGINT (graceful shutdown), then SIGKILL after ``timeout``; returns the exit code."""
        stop_process(self.process, timeout=timeout)
        if self.reader is not None:
            self.reader.join(5)
        if self.process.stdout is not None:
            self.process.stdout.close()
        return self.process.returncode

    def __enter__(self) -> MockProcess:
        return self

    def __exit__(self, *exc: object) -> None:
        self.stop()


def start_mock(extra: Sequence[str] = (), *, cpus: str | None = None, timeout: float = 20.0,
               port: int | None = None) -> MockProcess:
    """Start ``python -m simulator serve`` on a free port (our own control key) and wait until it accepts."""
    port = port or free_port()
    key = new_control_key()
    # "--option=value": a value that starts with "-" must not be read as an option.
    command = pinned([sys.executable, "-m", "simulator", "serve", "--host", "127.0.0.1", "--port", str(port),
                      f"--control-key={key}", *extra], cpus)
    env = {**os.environ, "PYTHONUNBUFFERED": "1"}
    process = subprocess.Popen(command, stdout=subprocess.PIPE, stderr=subprocess.STDOUT, text=True, env=env)
    mock = MockProcess(process, port, key)
    mock.reader = threading.Thread(target=mock._drain, daemon=True)
    mock.reader.start()
    try:
        wait_for_port(port, timeout)
    except SimulationError as exc:
        mock.stop()
        raise SimulationError(f"{exc}\n--- mtdsim serve output ---\n{mock.output()}") from exc
    return mock
