from __future__ import annotations

import json
from pathlib import Path

import pytest

from simulator.cli import main
from simulator.contracts import contracts_dir

EXAMPLES = contracts_dir() / "examples"


def test_validate_prints_valid_and_exits_0(capsys: pytest.CaptureFixture[str]) -> None:
    path = EXAMPLES / "threat-report-batch" / "valid" / "two-reports.json"
    assert main(["contracts", "validate", "threat-report-batch", str(path)]) == 0
    assert capsys.readouterr().out == "valid\n"


def test_validate_prints_each_violation_with_its_pointer_and_exits_1(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    body = json.loads((EXAMPLES / "threat-report-batch" / "valid" / "two-reports.json").read_text())
    body["reports"][1]["threatState"] = "medium"
    body["reports"][0]["platform"] = "windows"
    path = tmp_path / "batch.json"
    path.write_text(json.dumps(body))
    assert main(["contracts", "validate", "threat-report-batch", str(path)]) == 1
    lines = capsys.readouterr().out.splitlines()
    assert [line.split(":")[0] for line in lines] == ["/reports/0/platform", "/reports/1/threatState"]


def test_validate_unknown_contract_exits_2_with_suggestion(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    path = tmp_path / "x.json"
    path.write_text("{}")
    assert main(["contracts", "validate", "threat-reports", str(path)]) == 2
    assert "unknown contract 'threat-reports'" in capsys.readouterr().err


def test_validate_missing_file_exits_2(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    assert main(["contracts", "validate", "sim-clock", str(tmp_path / "absent.json")]) == 2
    assert "cannot read" in capsys.readouterr().err


def test_validate_non_json_file_exits_2(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    path = tmp_path / "x.json"
    path.write_text("now: soon\n")
    assert main(["contracts", "validate", "sim-clock", str(path)]) == 2
    assert "is not JSON" in capsys.readouterr().err


def test_list_prints_every_contract_with_its_title(capsys: pytest.CaptureFixture[str]) -> None:
    assert main(["contracts", "list"]) == 0
    out = capsys.readouterr().out
    assert "threat-report-batch" in out and "Device threat report batch" in out
    assert "common" not in out.split()
