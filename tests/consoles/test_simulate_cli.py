from __future__ import annotations

import json
from typing import Any

import pytest

from simulator.cli import main
from simulator.consoles.simulation import SimulationConfig, simulate
from simulator.service import Settings, create_app
from tests.conftest import CONTROL_KEY


def _simulate(capsys: pytest.CaptureFixture[str], *extra: str) -> dict[str, Any]:
    argv = ["simulate", "--seed", "31", "--android", "12", "--ios", "18", "--days", "0.5", "--json", *extra]
    assert main(argv) == 0
    summary: dict[str, Any] = json.loads(capsys.readouterr().out)
    return summary


def test_simulate_runs_against_the_embedded_mock_and_summarises_the_run(capsys: pytest.CaptureFixture[str]) -> None:
    summary = _simulate(capsys, "--events-per-day", "4")
    assert summary["seed"] == 31
    assert summary["devicesEnrolled"] == 30
    assert summary["reportsSent"] == summary["accepted"] > 0
    assert summary["rejected"] == {} and summary["errors"] == {}
    assert summary["appSyncCalls"] > 0
    assert sum(summary["compliance"].values()) == 30
    assert summary["compliance"].get("noncompliant", 0) > 0


def test_simulate_with_the_same_seed_gives_the_same_summary(capsys: pytest.CaptureFixture[str]) -> None:
    first, second = _simulate(capsys), _simulate(capsys)
    for run in (first, second):
        del run["target"], run["elapsedSeconds"]
    assert first == second


def test_simulate_with_a_misbehaving_profile_reports_what_it_planted(capsys: pytest.CaptureFixture[str]) -> None:
    summary = _simulate(capsys, "--profile", "unregistered-devices")
    assert summary["rejected"] == summary["planted"]
    assert summary["rejected"]["deviceNotRegistered"] > 0


@pytest.mark.parametrize(
    ("profile", "violation"),
    [("ignores-retry-after", "retryAfterNotHonoured"), ("malformed-payloads", "contractViolation")],
)
def test_simulate_reads_back_exactly_the_violations_the_profile_planted(
    capsys: pytest.CaptureFixture[str], profile: str, violation: str
) -> None:
    summary = _simulate(capsys, "--profile", profile)
    assert summary["violations"] == summary["plantedViolations"]
    assert summary["violations"][violation] > 0


def test_simulate_with_the_well_behaved_profile_causes_no_violation(capsys: pytest.CaptureFixture[str]) -> None:
    summary = _simulate(capsys)
    assert summary["violations"] == {} == summary["plantedViolations"]


def test_simulate_against_a_target_without_credentials_is_a_usage_error(
    capsys: pytest.CaptureFixture[str], monkeypatch: pytest.MonkeyPatch
) -> None:
    for name in ("MTDSIM_CONTROL_KEY", "MTDSIM_TENANT_ID", "MTDSIM_CLIENT_ID", "MTDSIM_CLIENT_SECRET"):
        monkeypatch.delenv(name, raising=False)
    assert main(["simulate", "--target", "http://127.0.0.1:9", "--seed", "1"]) == 2
    assert "--client-id" in capsys.readouterr().err


async def test_simulate_provisions_and_runs_against_a_target_through_its_control_api(
    aiohttp_server: Any, settings: Settings
) -> None:
    server = await aiohttp_server(create_app(settings))
    config = SimulationConfig(seed=8, android=5, ios=7, days=0.25, target_url=str(server.make_url("")),
                              control_key=CONTROL_KEY)  # fmt: skip
    result = await simulate(config)
    assert result.devices_enrolled == 12
    assert result.stats.accepted == result.stats.reports_sent > 0
    assert result.compliance is not None and sum(result.compliance.values()) == 12
