from __future__ import annotations

import asyncio
import json
import xml.etree.ElementTree as ET
from pathlib import Path
from typing import Any

import aiohttp
import pytest

from simulator.cli import main
from simulator.domain.clock import parse_datetime
from simulator.scenarios import Outcome, RunOptions, load_file, run_all
from simulator.scenarios.embedded import embedded_target

GOOD = """\
name: heartbeat enables the connector
tags: [smoke]
source: modelled
given:
  connectors:
    demo: {androidEnabled: true}
steps:
  - heartbeat: demo
    expect: {json: {partnerState: enabled}}
---
name: clock moves two weeks
source: modelled
steps:
  - advance: P14D
    expect: {json: {now: "2026-12-09T10:00:00Z"}}
"""

BAD = """\
name: claims the connector is available
source: modelled
given:
  connectors:
    demo: {androidEnabled: true}
steps:
  - connector: demo
    expect: {json: {partnerState: available}}
"""


@pytest.fixture
def suite(tmp_path: Path) -> Path:
    (tmp_path / "good.scenario.yaml").write_text(GOOD, "utf-8")
    return tmp_path


def test_passing_suite_exits_zero_and_prints_the_seed(suite: Path, capsys: pytest.CaptureFixture[str]) -> None:
    assert main(["run", str(suite), "--seed", "42", "-q"]) == 0
    out = capsys.readouterr().out
    assert "seed 42" in out
    assert "2 passed, 0 failed" in out


def test_failing_scenario_exits_one_and_shows_the_pointer(suite: Path, capsys: pytest.CaptureFixture[str]) -> None:
    (suite / "bad.scenario.yaml").write_text(BAD, "utf-8")
    assert main(["run", str(suite), "-q"]) == 1
    out = capsys.readouterr().out
    assert "bad.scenario.yaml:7: step 1 `connector`: 1 expectation(s) failed" in out
    assert '/partnerState: expected "available", got "enabled"' in out
    assert "1 failed" in out


def test_malformed_file_exits_two_with_the_located_message(
    suite: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    (suite / "broken.scenario.yaml").write_text(GOOD.replace("tags:", "tagz:"), "utf-8")
    assert main(["run", str(suite)]) == 2
    assert "broken.scenario.yaml:2: scenario: unknown key 'tagz' (did you mean 'tags'?)" in capsys.readouterr().err


def test_every_malformed_file_is_reported_before_exiting_two(suite: Path, capsys: pytest.CaptureFixture[str]) -> None:
    (suite / "one.scenario.yaml").write_text(GOOD.replace("tags:", "tagz:"), "utf-8")
    (suite / "two.scenario.yaml").write_text(GOOD.replace("advance:", "advanse:"), "utf-8")
    assert main(["run", str(suite)]) == 2
    err = capsys.readouterr().err
    assert "mtdsim run: error: 2 problems in scenario files:" in err
    assert "one.scenario.yaml:2: scenario: unknown key 'tagz'" in err
    assert "two.scenario.yaml:14: steps[0]" in err


def test_keyword_and_tags_select_scenarios(suite: Path, capsys: pytest.CaptureFixture[str]) -> None:
    assert main(["run", str(suite), "-k", "clock and not heartbeat", "-q"]) == 0
    assert "1 scenario(s)" in capsys.readouterr().out
    assert main(["run", str(suite), "--tags", "smoke", "-q"]) == 0
    assert "1 passed" in capsys.readouterr().out
    assert main(["run", str(suite), "--tags", "nothing"]) == 2


def test_reports_are_written_in_junit_json_and_markdown(suite: Path, tmp_path: Path) -> None:
    (suite / "bad.scenario.yaml").write_text(BAD, "utf-8")
    junit, report, markdown = tmp_path / "new" / "r.xml", tmp_path / "r.json", tmp_path / "deep" / "er" / "r.md"
    args = ["run", str(suite), "-q", "--seed", "3", "--junit", str(junit), "--json", str(report)]
    assert main([*args, "--markdown", str(markdown)]) == 1
    suite_node = ET.parse(junit).getroot().find("testsuite")
    assert suite_node is not None
    assert (suite_node.get("tests"), suite_node.get("failures")) == ("3", "1")
    data = json.loads(report.read_text("utf-8"))
    assert (data["seed"], data["passed"], data["failed"]) == (3, 2, 1)
    failure = next(s["failure"] for s in data["scenarios"] if not s["passed"])
    assert failure["mismatches"] == [
        {"pointer": "/partnerState", "expected": "available", "actual": "enabled", "message": ""}
    ]
    assert "| **FAIL** | claims the connector is available | bad.scenario.yaml:1 |" in markdown.read_text("utf-8")


def test_target_without_control_key_is_a_usage_error(
    suite: Path, capsys: pytest.CaptureFixture[str], monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.delenv("MTDSIM_CONTROL_KEY", raising=False)
    assert main(["run", str(suite), "--target", "http://127.0.0.1:9"]) == 2
    assert "control key" in capsys.readouterr().err


def test_an_unreachable_target_is_a_usage_error(suite: Path, capsys: pytest.CaptureFixture[str]) -> None:
    assert main(["run", str(suite), "--target", "http://127.0.0.1:9", "--control-key", "k"]) == 2
    assert "http://127.0.0.1:9 cannot be reached" in capsys.readouterr().err


def test_no_arguments_runs_the_shipped_suite(capsys: pytest.CaptureFixture[str]) -> None:
    assert main(["run", "-q", "--seed", "1"]) == 0
    assert " 0 failed" in capsys.readouterr().out


def test_a_target_server_gets_its_clock_back_after_the_run(suite: Path) -> None:
    async def run_against_a_second_server() -> tuple[list[Outcome], dict[str, Any]]:
        async with embedded_target() as server, aiohttp.ClientSession() as http:
            url, headers = f"{server.base_url}/_sim/clock", {"X-Mtdsim-Control-Key": server.control_key}
            async with http.put(url, json={"now": "2030-01-01T00:00:00Z", "ticking": True}, headers=headers):
                pass
            options = RunOptions(target=server.base_url, control_key=server.control_key)
            outcomes = await run_all(load_file(suite / "good.scenario.yaml"), options)
            async with http.get(url, headers=headers) as response:
                return outcomes, await response.json()

    outcomes, clock = asyncio.run(run_against_a_second_server())
    assert all(o.passed for o in outcomes)
    assert clock["ticking"] is True
    assert parse_datetime(clock["now"]) >= parse_datetime("2030-01-01T00:00:00Z")
    assert clock["now"].startswith("2030-01-01T00:")
