"""A real distributed run: the mock as a subprocess, a Locust master and two workers, a few seconds of load."""

from __future__ import annotations

import json
import subprocess
import sys
from pathlib import Path
from typing import Any

import pytest

from loadtests.mockproc import MockProcess, free_port, start_mock
from loadtests.target import fetch_stats

LOCUSTFILE = str(Path(__file__).resolve().parents[2] / "loadtests" / "locustfile.py")
REPORTS = "/partner/v1/deviceThreatReports"
SEED = 20261125


def _locust(*args: str) -> list[str]:
    return [sys.executable, "-m", "locust", "-f", LOCUSTFILE, "--loglevel", "WARNING", *args]


def _run_master_and_two_workers(mock: MockProcess, summary: Path) -> int:
    port = free_port()
    master = subprocess.Popen(_locust(
        "--master", "--master-bind-host", "127.0.0.1", "--master-bind-port", str(port), "--expect-workers", "2",
        "--headless", "--only-summary", "-u", "6", "-r", "6", "-t", "4s", "--stop-timeout", "5",
        "--host", mock.url, f"--mtd-control-key={mock.control_key}", "--mtd-seed", str(SEED),
        "--mtd-track-devices", "--mtd-check-rate", "1", "--mtd-batch-size", "5", "--mtd-summary", str(summary),
        "--mtd-threshold", "fail_ratio <= 0",
    ), stdout=subprocess.DEVNULL)
    workers = [subprocess.Popen(_locust("--worker", "--master-host", "127.0.0.1", "--master-port", str(port)),
                                stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL) for _ in range(2)]
    try:
        return master.wait(timeout=90)
    finally:
        for process in [master, *workers]:
            if process.poll() is None:
                process.kill()
            process.wait(10)


@pytest.fixture(scope="module")
def distributed_run(tmp_path_factory: pytest.TempPathFactory) -> tuple[int, dict[str, Any], dict[str, Any]]:
    """One short run shared by the tests below: (locust exit code, locust summary, the mock's /_sim/stats)."""
    print(f"seed {SEED}")
    summary_path = tmp_path_factory.mktemp("distributed") / "summary.json"
    with start_mock() as mock:
        code = _run_master_and_two_workers(mock, summary_path)
        stats = fetch_stats(mock.url, mock.control_key)
    return code, json.loads(summary_path.read_text()), stats


@pytest.mark.slow
def test_master_and_two_workers_agree_with_the_mocks_own_counters(
    distributed_run: tuple[int, dict[str, Any], dict[str, Any]],
) -> None:
    code, summary, stats = distributed_run
    rows = {row["name"]: row for row in summary["stats"]}
    assert code == 0, summary["thresholds"]
    assert summary["reports"]["reportsAccepted"] > 0
    assert summary["reports"]["reportsAccepted"] == stats["traffic"]["reportsAccepted"]
    assert summary["reports"]["reportsSent"] == summary["reports"]["reportsAccepted"]
    assert stats["traffic"]["reportsDuplicate"] == 0
    assert rows[REPORTS]["requests"] == stats["traffic"]["reportBatches"]
    assert summary["reports"]["contractViolations"] == 0


@pytest.mark.slow
def test_no_device_id_is_used_by_two_users_across_workers(
    distributed_run: tuple[int, dict[str, Any], dict[str, Any]],
) -> None:
    users = distributed_run[1]["devicesByUser"]
    assert {key.split("/")[0] for key in users} == {"0", "1"}
    assert distributed_run[1]["sharedDevices"] == {}
    assert sum(len(devices) for devices in users.values()) == len({d for ds in users.values() for d in ds})


def test_a_mock_whose_control_key_starts_with_a_dash_starts_and_takes_the_key(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    # A URL-safe token starts with "-" one time in 64: "--control-key -Xy..." once made start_mock time out.
    monkeypatch.setattr("loadtests.mockproc.new_control_key", lambda: "-dash-first-key")
    with start_mock() as mock:
        assert mock.control_key == "-dash-first-key"
        assert fetch_stats(mock.url, mock.control_key)["traffic"]["reportsAccepted"] == 0

