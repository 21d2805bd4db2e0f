from __future__ import annotations

import json
from typing import Any

import pytest

from simulator.cli import main
from simulator.consoles.simulation import SimulationConfig, simulate
from simulator.domain.catalog import CATALOG
from simulator.domain.versions import version_below
from simulator.fleet import Fleet
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


def test_simulate_marks_every_silent_device_noncompliant_only_when_told_to(capsys: pytest.CaptureFixture[str]) -> None:
    silent = ("--events-per-day", "0", "--never-report", "1")
    assert _simulate(capsys, *silent)["compliance"] == {"compliant": 30}
    summary = _simulate(capsys, *silent, "--block-missing-data")
    assert summary["compliance"] == {"noncompliant": 30}
    connector = summary["connector"]
    assert connector["androidDeviceBlockedOnMissingPartnerData"] is connector["iosDeviceBlockedOnMissingPartnerData"]
    assert connector["iosDeviceBlockedOnMissingPartnerData"] is True


def test_simulate_blocks_exactly_the_devices_below_the_partner_minimum(capsys: pytest.CaptureFixture[str]) -> None:
    jamf = CATALOG["jamf"]
    fleet = Fleet(31, android=12, ios=18)
    below = sum(version_below(d.os_version, str(jamf.minimum_version(d.platform))) for d in fleet)
    assert 0 < below < 30
    quiet = ("--partner", "jamf", "--events-per-day", "0")
    assert _simulate(capsys, *quiet)["compliance"] == {"compliant": 30}
    summary = _simulate(capsys, *quiet, "--block-unsupported-os")
    assert summary["compliance"] == {"compliant": 30 - below, "noncompliant": below}
    assert summary["connector"]["partnerUnsupportedOsVersionBlocked"] is True


def test_simulate_without_app_sync_makes_no_app_sync_call_and_says_so(
    capsys: pytest.CaptureFixture[str], monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setenv("COLUMNS", "200")  # the table's connector row on one line
    summary = _simulate(capsys, "--no-app-sync", "--unresponsive-days", "3")
    assert summary["appSyncCalls"] == 0
    assert summary["connector"]["allowPartnerToCollectIOSApplicationMetadata"] is False
    assert summary["connector"]["partnerUnresponsivenessThresholdInDays"] == 3
    argv = ["simulate", "--seed", "31", "--android", "2", "--ios", "2", "--days", "0.1", "--no-progress",
            "--block-missing-data"]  # fmt: skip
    assert main(argv) == 0
    assert "Android and iOS on, App Sync, noncompliant if no data, unresponsive after 7 days" in capsys.readouterr().out


def test_connector_settings_without_a_run_that_creates_the_connector_are_a_usage_error(
    capsys: pytest.CaptureFixture[str], monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.delenv("MTDSIM_CONTROL_KEY", raising=False)
    argv = ["simulate", "--target", "http://127.0.0.1:9", "--tenant-id", "t", "--client-id", "c", "--client-secret",
            "s", "--block-unsupported-os"]  # fmt: skip
    assert main(argv) == 2
    assert "connector settings apply to a connector the run creates" in capsys.readouterr().err
    assert main(["simulate", "--unresponsive-days", "-1"]) == 2
    assert "--unresponsive-days must be >= 0" in capsys.readouterr().err
