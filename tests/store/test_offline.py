from __future__ import annotations

import json
from datetime import UTC, datetime
from pathlib import Path

import pytest

from simulator.cli import main
from simulator.service.settings import Settings
from simulator.service.state import ServiceState, Violation
from simulator.store.capture import capture
from simulator.store.sqlite import SqliteStore

NOW = datetime(2026, 11, 25, 10, 0, tzinfo=UTC)
TENANT = "00000000-0000-4000-8000-000000000001"
DEMO_CONNECTOR = "5a1b0c2d-3e4f-4a5b-8c6d-7e8f9a0b1c2d"


def _saved(directory: Path, *, violation: bool) -> None:
    state = ServiceState(Settings(seed=1, clock_start=NOW, clock_ticking=False))
    for n, (status, device) in enumerate(((200, "d-1"), (400, "d-2"), (200, "d-2"))):
        route = "/partner/v1/deviceThreatReports"
        state.journal.append((NOW, "POST", route, route, status, 1.0, f"req-{n}", TENANT, DEMO_CONNECTOR, "client",
                              device, f"cri-{n}"))  # fmt: skip
        state.status_counts[status] += 1
    state.traffic.reports_accepted = 2
    if violation:
        state.record_violation(Violation("contractViolation", "threat-report-batch: bad", "POST /partner/v1/x",
                                         "2026-11-25T10:00:00Z", "/reports/0/platform", "client"))  # fmt: skip
    store = SqliteStore(directory)
    store.write(capture(state))
    store.close()


def test_report_reads_a_state_directory_offline(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    _saved(tmp_path, violation=True)
    out = tmp_path / "report.json"
    assert main(["report", "--state", str(tmp_path), "--json", str(out)]) == 1
    report = json.loads(out.read_text())
    assert report["violationsByCode"] == {"contractViolation": 1}
    assert report["violations"][0]["pointer"] == "/reports/0/platform"
    assert report["stats"]["requests"] == 3 and report["stats"]["traffic"]["reportsAccepted"] == 2
    assert report["conforms"] is False and "mtdsim conformance report" in capsys.readouterr().out


def test_report_of_a_clean_state_directory_conforms(tmp_path: Path) -> None:
    _saved(tmp_path, violation=False)
    assert main(["report", "--state", str(tmp_path)]) == 0


def test_journal_reads_a_state_directory_newest_first_with_filters(
        tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    _saved(tmp_path, violation=False)
    assert main(["journal", "--state", str(tmp_path), "--json", "--device", "d-2", "--partner", "demo"]) == 0
    lines = [json.loads(line) for line in capsys.readouterr().out.splitlines()]
    assert [(e["requestId"], e["status"]) for e in lines] == [("req-2", 200), ("req-1", 400)]
    assert main(["journal", "--state", str(tmp_path), "--status", "400"]) == 0
    assert "3 requests in all" in capsys.readouterr().out


def test_journal_finds_a_lost_request_offline_by_its_client_request_id(
        tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    _saved(tmp_path, violation=False)
    assert main(["journal", "--state", str(tmp_path), "--json", "--client-request-id", "cri-1"]) == 0
    lines = [json.loads(line) for line in capsys.readouterr().out.splitlines()]
    assert [(e["requestId"], e["status"]) for e in lines] == [("req-1", 400)]
    assert main(["journal", "--state", str(tmp_path), "--json", "--client-request-id", "never-sent"]) == 0
    assert capsys.readouterr().out == ""


def test_a_directory_without_a_state_database_is_an_error_not_a_new_database(
        tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    assert main(["journal", "--state", str(tmp_path / "nothing")]) == 2
    assert "is not an mtdsim state directory" in capsys.readouterr().err
    assert not (tmp_path / "nothing").exists()
