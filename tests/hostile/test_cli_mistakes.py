"""Issue 15 item 10: CLI mistakes get one clear line and exit 2; Ctrl-C says "interrupted" and keeps what finished."""

from __future__ import annotations

import json
import signal
import socket
import subprocess
import sys
import time
from collections.abc import Callable
from pathlib import Path
from typing import Any

import pytest

MTDSIM = [sys.executable, "-m", "simulator"]


def _ctrl_c_reaches_python() -> None:
    """In the child, before exec: a shell's background job ignores SIGINT, and a Python started so never raises
    KeyboardInterrupt; these tests send Ctrl-C wherever the suite runs."""
    signal.signal(signal.SIGINT, signal.SIG_DFL)


def _interrupt(process: subprocess.Popen[str]) -> tuple[str, str]:
    """Ctrl-C, then what it wrote; killed (and the test failed) if it does not end within 30 s, never a hang."""
    process.send_signal(signal.SIGINT)
    try:
        return process.communicate(timeout=30)
    except subprocess.TimeoutExpired:
        process.kill()
        process.communicate()
        raise AssertionError("Ctrl-C did not end the process within 30 s") from None


def mtdsim(*args: str) -> subprocess.CompletedProcess[str]:
    return subprocess.run([*MTDSIM, *args], capture_output=True, text=True, timeout=60)


def assert_one_clear_line(done: subprocess.CompletedProcess[str], *expected: str) -> None:
    assert done.returncode == 2, done
    assert "Traceback" not in done.stderr
    assert len(done.stderr.strip().splitlines()) == 1, done.stderr
    for text in expected:
        assert text in done.stderr


@pytest.mark.slow
def test_serve_on_a_port_in_use_names_the_port_and_suggests_another() -> None:
    with socket.socket() as holder:
        holder.bind(("127.0.0.1", 0))
        holder.listen()
        port = str(holder.getsockname()[1])
        assert_one_clear_line(mtdsim("serve", "--port", port), f"port {port}", "in use", "--port 0")


def test_serve_refuses_a_port_above_65535() -> None:
    done = mtdsim("serve", "--port", "99999")
    assert done.returncode == 2
    assert "99999 is not a port" in done.stderr


@pytest.mark.slow
@pytest.mark.parametrize("credentials", [["--control-key", "k"],
                                         ["--tenant-id", "t", "--client-id", "c", "--client-secret", "s"]])
def test_simulate_against_nothing_says_the_target_cannot_be_reached(credentials: list[str]) -> None:
    with socket.socket() as closed:
        closed.bind(("127.0.0.1", 0))
        url = f"http://127.0.0.1:{closed.getsockname()[1]}"
    done = mtdsim("simulate", "--target", url, *credentials, "--no-progress", "--android", "1", "--ios", "1")
    assert_one_clear_line(done, url)
    assert "reach" in done.stderr


def test_simulate_with_a_target_without_scheme_suggests_one() -> None:
    done = mtdsim("simulate", "--target", "127.0.0.1:8765", "--control-key", "k", "--no-progress")
    assert_one_clear_line(done, "http://127.0.0.1:8765")


@pytest.mark.slow
def test_simulate_with_a_wrong_control_key_says_so(serve: Callable[..., Any]) -> None:
    served = serve()
    done = mtdsim("simulate", "--target", served.url, "--control-key", "wrong", "--no-progress")
    served.stop()
    assert_one_clear_line(done, "refused the control key")


SUITE = """\
name: quick
source: modelled
given:
  connectors:
    demo: {iosEnabled: true}
steps:
  - heartbeat: demo
    expect: {status: 999}
---
name: endless
source: modelled
given:
  connectors:
    demo: {iosEnabled: true}
steps:
  - heartbeat: demo
    retry: {until: {status: 999}, timeout: 60, interval: 0.05}
"""


@pytest.mark.slow
def test_ctrl_c_in_run_says_interrupted_and_writes_the_report_of_what_finished(tmp_path: Path) -> None:
    suite = tmp_path / "two.scenario.yaml"
    suite.write_text(SUITE)
    junit = tmp_path / "out.xml"
    command = [*MTDSIM, "run", str(suite), "--junit", str(junit), "--seed", "1"]
    with subprocess.Popen(command, stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True,
                          preexec_fn=_ctrl_c_reaches_python) as process:
        assert process.stdout is not None
        for line in process.stdout:  # the first scenario fails at once and says so; the second never ends
            if "FAIL" in line and "quick" in line:
                break
        _, err = _interrupt(process)
    assert process.returncode == 130, err
    assert "interrupted after 1 of 2 scenario(s)" in err
    assert "Traceback" not in err
    report = junit.read_text()
    assert 'name="quick"' in report and "endless" not in report


def _simulate_interrupted(served: Any, output: str, batches: int) -> tuple[int, str, str]:
    """``mtdsim simulate`` against ``served`` for ten virtual years, Ctrl-C once ``batches`` report batches arrived."""
    command = [*MTDSIM, "simulate", "--target", served.url, "--control-key", "k", "--android", "20", "--ios", "20",
               "--days", "3650", output, "--seed", "7"]  # fmt: skip
    with subprocess.Popen(command, stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True,
                          preexec_fn=_ctrl_c_reaches_python) as process:
        deadline = time.monotonic() + 60
        while served.call("/_sim/stats")["traffic"]["reportBatches"] < batches and time.monotonic() < deadline:
            time.sleep(0.05)  # until the run is into its ticks
        out, err = _interrupt(process)
    served.stop()
    return process.returncode, out, err


@pytest.mark.slow
def test_ctrl_c_in_simulate_prints_what_finished_then_interrupted(serve: Callable[..., Any]) -> None:
    returncode, out, err = _simulate_interrupted(serve(), "--json", batches=3)
    assert returncode == 130, err
    assert "Traceback" not in err
    assert err.strip().splitlines()[-1].startswith("mtdsim simulate: interrupted during simulate")
    so_far = json.loads(out)
    assert so_far["interrupted"] is True
    assert (so_far["phase"], so_far["devicesEnrolled"], so_far["seed"]) == ("simulate", 40, 7)
    assert 0 <= so_far["phaseDone"] < so_far["phaseTotal"] == 3650 * 24
    assert so_far["batches"] >= 3 and so_far["reportsSent"] > 0
    assert so_far["virtualTime"] > "2026-11-25T01:00:00Z"  # the run's clock moved past its first ticks


@pytest.mark.slow
def test_ctrl_c_in_simulate_prints_the_summary_so_far_as_a_table(serve: Callable[..., Any]) -> None:
    returncode, out, err = _simulate_interrupted(serve(), "--no-progress", batches=1)
    assert returncode == 130, err
    assert "interrupted" in out and "phase reached" in out and "simulate (" in out and "devices enrolled" in out, out
    assert "interrupted during simulate" in err
