"""The README's walkthrough runs verbatim (only the port is swapped for a free one) against a real `mtdsim serve`."""

from __future__ import annotations

import os
import re
import shutil
import signal
import subprocess
import sys
from pathlib import Path

import pytest

from loadtests.mockproc import free_port, wait_for_port

README = Path(__file__).parents[2] / "README.md"
BLOCK = re.compile(r"```bash\n(.*?)```", re.DOTALL)
MARK = "@@block"
EXPECTED_PER_BLOCK = [
    [],  # tokens: silent
    ['"partnerState":"notSetUp"'],
    ['"partnerState":"available"'],
    ['"androidEnabled":true', '"deviceThreatProtectionRequiredSecurityLevel":"low"'],
    ['"status":"accepted"', '"acceptedCount":1'],
    ['"complianceState":"noncompliant"', '"partnerReportedThreatState":"highSeverity"'],
    ['"rule":"threatLevel"', '"noncompliant":true'],
    ["conforms:noviolationsrecorded", "reportsaccepted1"],
]


def section(text: str, heading: str) -> str:
    start = text.index(heading)
    end = text.find("\n## ", start + len(heading))
    return text[start : end if end != -1 else None]


def test_readme_starts_with_the_install_and_run_and_the_test_commands() -> None:
    first, second = BLOCK.findall(README.read_text())[:2]
    assert "pip install -e ." in first and first.strip().endswith("mtdsim run")
    assert "pip install -e '.[dev]'" in second and second.strip().endswith("python -m pytest")


@pytest.mark.slow
@pytest.mark.skipif(shutil.which("curl") is None, reason="the walkthrough is written for curl")
def test_readme_walkthrough_runs_verbatim_against_mtdsim_serve() -> None:
    serve, *steps = BLOCK.findall(section(README.read_text(), "## Walkthrough"))
    port = str(free_port())
    command = serve.strip().replace("8765", port).split()
    assert command[0] == "mtdsim"
    with subprocess.Popen([sys.executable, "-m", "simulator", *command[1:]], stdout=subprocess.PIPE,
                          stderr=subprocess.STDOUT, text=True) as server:  # fmt: skip
        try:
            run_walkthrough(steps, port, server)
        finally:
            server.send_signal(signal.SIGINT)
            assert server.wait(timeout=15) == 0


def run_walkthrough(steps: list[str], port: str, server: subprocess.Popen[str]) -> None:
    wait_for_port(int(port), 15, server)
    script = "\n".join(f"echo; echo {MARK}\n{step.replace('8765', port)}" for step in steps)
    path = f"{Path(sys.executable).parent}:{os.environ['PATH']}"  # curl plus this venv's python3
    done = subprocess.run(["bash", "-euo", "pipefail", "-c", script], capture_output=True, text=True, timeout=60,
                          env={**os.environ, "PATH": path})  # fmt: skip
    assert done.returncode == 0, done.stderr
    outputs = done.stdout.split(MARK)[1:]
    assert len(outputs) == len(EXPECTED_PER_BLOCK)
    for output, expected in zip(outputs, EXPECTED_PER_BLOCK, strict=True):
        for fragment in expected:
            assert fragment in output.replace(" ", ""), output


def commands(heading: str) -> list[str]:
    """Each command line of the section's bash blocks, comments dropped."""
    blocks = BLOCK.findall(section(README.read_text(), heading))
    lines = (line.split("  #")[0].strip() for block in blocks for line in block.splitlines())
    return [line for line in lines if line]


def run_readme_command(command: str, port: str | None = None) -> subprocess.CompletedProcess[str]:
    if port:
        command = command.replace("8765", port)
    path = f"{Path(sys.executable).parent}:{os.environ['PATH']}"
    return subprocess.run(["bash", "-euo", "pipefail", "-c", command], capture_output=True, text=True, timeout=120,
                          cwd=README.parent, env={**os.environ, "PATH": path})  # fmt: skip


def test_readme_example_scenario_passes(tmp_path: Path) -> None:
    from simulator.cli import main

    [example] = re.findall(r"```yaml\n(.*?)```", section(README.read_text(), "## Scenario suites"), re.DOTALL)
    path = tmp_path / "example.scenario.yaml"
    path.write_text(example.replace("../contracts/", f"{README.parent}/contracts/"))
    assert main(["run", str(path), "-q"]) == 0


def test_readme_several_tenants_example_passes(tmp_path: Path) -> None:
    from simulator.cli import main

    [example] = re.findall(r"```yml\n(.*?)```", section(README.read_text(), "## Scenario suites"), re.DOTALL)
    path = tmp_path / "tenants.scenario.yaml"
    path.write_text(example)
    assert main(["run", str(path), "-q"]) == 0


@pytest.mark.slow
@pytest.mark.parametrize(
    "heading",
    ["## Scenario suites", "## Partner certification", "## Simulated fleets", "## Load testing", "## Contracts"],
)
def test_readme_section_commands_run_verbatim(heading: str) -> None:
    port = str(free_port())
    serve = [sys.executable, "-m", "simulator", "serve", "--port", port, "--control-key", "walkthrough-key"]
    with subprocess.Popen(serve, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL) as server:
        try:
            wait_for_port(int(port), 15, server)
            for command in commands(heading):
                done = run_readme_command(command, port)
                assert done.returncode == 0, f"{command}\n{done.stdout}\n{done.stderr}"
        finally:
            server.send_signal(signal.SIGINT)
            assert server.wait(timeout=15) == 0
