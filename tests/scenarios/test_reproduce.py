"""The reproduce command a failure prints, run as a user would paste it, and ``FILE::NAME`` addressing."""

from __future__ import annotations

import json
import os
import re
import subprocess
import sys
import urllib.request
from collections.abc import Iterator
from pathlib import Path

import pytest

from loadtests.mockproc import read_banner
from simulator.cli import main

SUITE = """\
name: heartbeat enables the connector
source: modelled
given:
  connectors:
    demo: {androidEnabled: true}
steps:
  - heartbeat: demo
    expect: {json: {partnerState: enabled}}
---
name: claims the connector is available
source: modelled
given:
  connectors:
    demo: {androidEnabled: true}
steps:
  - advance: P3D
  - connector: demo
    expect: {json: {partnerState: available}}
---
name: a level table
source: modelled
parametrize:
  - {state: enabled}
  - {state: available}
given:
  connectors:
    demo: {androidEnabled: true}
steps:
  - connector: demo
    expect: {json: {partnerState: "{state}"}}
"""
MISMATCH = '/partnerState: expected "available", got "enabled"'


@pytest.fixture
def suite(tmp_path: Path) -> Path:
    path = tmp_path / "states.scenario.yaml"
    path.write_text(SUITE, "utf-8")
    return path


def _reproduce_commands(args: list[str], report: Path) -> dict[str, str]:
    assert main([*args, "--json", str(report), "-q"]) == 1
    scenarios = json.loads(report.read_text("utf-8"))["scenarios"]
    return {s["name"]: s["failure"]["reproduce"] for s in scenarios if not s["passed"]}


def _shell(command: str, **env: str) -> subprocess.CompletedProcess[str]:
    """Run ``command`` the way a user pastes it: through a shell, with this venv's ``mtdsim`` on PATH."""
    path = f"{Path(sys.executable).parent}{os.pathsep}{os.environ.get('PATH', '')}"
    return subprocess.run(["bash", "-c", command], capture_output=True, text=True, timeout=60,
                          env={**os.environ, "PATH": path, **env})  # fmt: skip


def test_the_printed_command_reruns_only_the_failing_scenario_from_a_clean_state(suite: Path, tmp_path: Path) -> None:
    commands = _reproduce_commands(["run", str(suite), "--seed", "11"], tmp_path / "run.json")
    assert sorted(commands) == ["a level table[available]", "claims the connector is available"]
    command = commands["claims the connector is available"]
    assert command == f"mtdsim run '{suite}::claims the connector is available' --seed 11"
    rerun = _shell(command)
    assert rerun.returncode == 1, rerun.stderr
    assert "1 scenario(s), seed 11" in rerun.stdout and MISMATCH in rerun.stdout
    assert command in rerun.stdout  # the rerun's own failure prints the same command
    row = _shell(commands["a level table[available]"])
    assert (row.returncode, "1 scenario(s)" in row.stdout) == (1, True)


@pytest.fixture
def served() -> Iterator[str]:
    process = subprocess.Popen(
        [sys.executable, "-m", "simulator", "serve", "--port", "0", "--seed", "5", "--control-key", "k"],
        stdout=subprocess.PIPE, stderr=subprocess.DEVNULL, text=True,
    )  # fmt: skip
    assert process.stdout is not None
    banner = read_banner(process.stdout)
    match = re.search(r"http://127\.0\.0\.1:\d+", banner)
    try:
        assert match, banner
        yield match.group(0)
    finally:
        process.terminate()
        process.communicate(timeout=15)


def test_against_a_target_the_command_reproduces_after_the_target_moved_on(
    suite: Path, tmp_path: Path, served: str
) -> None:
    args = ["run", f"{suite}::claims the connector is available", "--seed", "4", "--target", served]
    commands = _reproduce_commands([*args, "--control-key", "k"], tmp_path / "run.json")
    command = commands["claims the connector is available"]
    assert command.endswith(f"--seed 4 --target {served} --control-key \"$MTDSIM_CONTROL_KEY\"")
    # The run's tokens expire and its tenant disappears: the command needs neither.
    advance = urllib.request.Request(f"{served}/_sim/clock/advance", data=b'{"by": "P30D"}', method="POST",
                                     headers={"X-Mtdsim-Control-Key": "k", "Content-Type": "application/json"})
    urllib.request.urlopen(advance, timeout=5).close()
    reset = urllib.request.Request(f"{served}/_sim/reset", method="POST", headers={"X-Mtdsim-Control-Key": "k"})
    urllib.request.urlopen(reset, timeout=5).close()
    rerun = _shell(command, MTDSIM_CONTROL_KEY="k")
    assert rerun.returncode == 1, rerun.stdout + rerun.stderr
    assert MISMATCH in rerun.stdout and "1 passed" not in rerun.stdout


def test_file_and_name_pick_one_scenario_and_a_bare_parametrized_name_picks_every_row(
    suite: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    assert main(["run", f"{suite}::heartbeat enables the connector", "--seed", "1", "-q"]) == 0
    assert "1 scenario(s)" in capsys.readouterr().out
    assert main(["run", f"{suite}::a level table", "--seed", "1", "-q"]) == 1
    assert "1 passed, 1 failed" in capsys.readouterr().out
    assert main(["run", f"{suite}::a level table[enabled]", "--seed", "1", "-q"]) == 0
    assert main(["run", str(suite), "-k", "available", "--seed", "1", "-q"]) == 1
    assert "0 passed, 2 failed" in capsys.readouterr().out


def test_an_unknown_name_is_a_usage_error_with_the_closest_name(
    suite: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    assert main(["run", f"{suite}::heartbeat enable the connector"]) == 2
    assert "(did you mean 'heartbeat enables the connector'?)" in capsys.readouterr().err
