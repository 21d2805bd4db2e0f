from __future__ import annotations

import json
import shutil
from pathlib import Path

import jsonschema
import pytest

from simulator.contracts import ContractSet, _explain, contracts_dir, default_contracts
from simulator.errors import ConfigError, ContractViolation

REPORT = {
    "azureADDeviceId": "2c7790de-8b02-4814-85cf-e0c59380dee8",
    "platform": "android",
    "osVersion": "14.0",
    "threatState": "mediumSeverity",
    "reportedDateTime": "2026-11-25T10:00:00Z",
}


def test_every_schema_file_passes_check_schema_and_has_id_title_and_description() -> None:
    files = sorted(contracts_dir().glob("*.schema.json"))
    assert len(files) > 30
    for path in files:
        schema = json.loads(path.read_text())
        jsonschema.Draft202012Validator.check_schema(schema)
        assert schema["$id"] == f"https://mtdsim.example/contracts/{path.name}"
        assert schema["title"] and schema["description"], path.name


def test_contract_names_include_the_wire_messages_but_not_common() -> None:
    names = default_contracts().names
    assert {"threat-report-batch", "mtd-connector-v1.0", "mtd-connector-beta", "graph-error"} <= set(names)
    assert "common" not in names


def test_unknown_contract_name_suggests_close_matches() -> None:
    with pytest.raises(ConfigError, match="did you mean threat-report-batch"):
        default_contracts().is_valid("threat-report-bach", {})


def test_batch_of_1000_reports_is_valid_and_1001_is_not() -> None:
    contracts = default_contracts()
    assert contracts.is_valid("threat-report-batch", {"reports": [REPORT] * 1000})
    assert not contracts.is_valid("threat-report-batch", {"reports": [REPORT] * 1001})
    assert [p.pointer for p in contracts.problems("threat-report-batch", {"reports": [REPORT] * 1001})] == ["/reports"]


def test_size_problems_give_counts_instead_of_echoing_the_value() -> None:
    contracts = default_contracts()
    (too_many,) = contracts.problems("threat-report-batch", {"reports": [REPORT] * 1001})
    assert too_many.message == "has 1001 items, more than the 1000 allowed"
    (empty,) = contracts.problems("threat-report-batch", {"reports": []})
    assert empty.message == "has 0 items, fewer than the 1 required"
    long_id = {**REPORT, "threats": [{"threatId": "t" * 200, "category": "malware", "severity": "medium"}]}
    (too_long,) = contracts.problems("threat-report-batch", {"reports": [long_id]})
    assert (too_long.pointer, too_long.message) == ("/reports/0/threats/0/threatId",
                                                    "is 200 characters long, more than the 128 allowed")


def test_a_long_offending_value_is_quoted_cut_short() -> None:
    (problem,) = default_contracts().problems("threat-report-batch", {"reports": "x" * 5000})
    assert (problem.keyword, problem.message) == ("type", "'" + "x" * 78 + "… is not of type array")


def test_problems_are_sorted_by_pointer_with_numeric_indexes() -> None:
    reports: list[dict[str, object]] = [dict(REPORT) for _ in range(12)]
    reports[10]["threatState"] = "bad"
    reports[9]["platform"] = "windows"
    reports[2]["extra"] = True
    problems = default_contracts().problems("threat-report-batch", {"reports": reports})
    assert [p.pointer for p in problems] == ["/reports/2/extra", "/reports/9/platform", "/reports/10/threatState"]


class _Watched(dict[str, object]):
    """A report that counts how often Python jsonschema looks into it (jsonschema-rs reads dicts through C)."""

    lookups = 0

    def __contains__(self, key: object) -> bool:
        type(self).lookups += 1
        return super().__contains__(key)


def test_only_the_members_jsonschema_rs_found_at_fault_are_walked_again() -> None:
    reports = [_Watched(REPORT) for _ in range(1000)]
    reports[700]["platform"] = "andriod"
    _Watched.lookups = 0
    problems = default_contracts().problems("threat-report-batch", {"reports": reports})
    assert [(p.pointer, p.keyword) for p in problems] == [("/reports/700/platform", "enum")]
    assert 0 < _Watched.lookups <= 2 * len(REPORT) + 2  # one report's properties, not a thousand reports'


def test_a_shared_member_is_walked_when_any_of_its_places_is_at_fault() -> None:
    bad = {**REPORT, "threatState": "bad"}
    reports = [REPORT] * 5 + [bad] + [REPORT] * 5 + [bad]
    problems = default_contracts().problems("threat-report-batch", {"reports": reports})
    assert [p.pointer for p in problems] == ["/reports/5/threatState", "/reports/11/threatState"]


@pytest.mark.parametrize("contract, body", [
    ("threat-report-batch", {"reports": [REPORT, {**REPORT, "threats": [{"threatId": "", "extra": 1}]}, {}, 7]}),
    ("threat-report-batch", {"reports": [{**REPORT, "platform": "ios", "osVersion": 17}] * 3 + [REPORT] * 1000}),
    ("mtd-connector-write-v1.0", {"iosEnable": True, "partnerUnresponsivenessThresholdInDays": -1}),
])  # fmt: skip
def test_skipping_members_explains_exactly_what_a_full_walk_explains(contract: str, body: object) -> None:
    contracts = default_contracts()
    walker = contracts._detail_validator(contract)  # outside problems(): no suspects, every member walked
    full = {p for error in walker.iter_errors(body) for p in _explain(error)}  # type: ignore[arg-type]
    assert full and set(contracts.problems(contract, body)) == full


def test_enum_problem_lists_the_allowed_values() -> None:
    problems = default_contracts().problems("threat-report-batch", {"reports": [{**REPORT, "threatState": "bad"}]})
    assert problems[0].keyword == "enum"
    assert "secured, lowSeverity, mediumSeverity" in problems[0].message


def test_unexpected_property_is_named_and_pointed_at_with_a_suggestion() -> None:
    problems = default_contracts().problems("mtd-connector-write-v1.0", {"iosEnable": True})
    assert [(p.pointer, p.keyword) for p in problems] == [("/iosEnable", "additionalProperties")]
    assert "'iosEnable'" in problems[0].message and "'iosEnabled'" in problems[0].message


def test_missing_required_property_points_at_the_missing_member() -> None:
    report = {k: v for k, v in REPORT.items() if k != "osVersion"}
    problems = default_contracts().problems("threat-report-batch", {"reports": [report]})
    assert [(p.pointer, p.keyword) for p in problems] == [("/reports/0/osVersion", "required")]


def test_validate_raises_contract_violation_with_every_problem() -> None:
    with pytest.raises(ContractViolation) as caught:
        default_contracts().validate("sim-clock", {"now": "soon", "tz": "UTC"})
    assert caught.value.contract == "sim-clock"
    assert [p.pointer for p in caught.value.problems] == ["/now", "/tz"]


def test_validate_accepts_a_valid_message() -> None:
    default_contracts().validate("sim-clock", {"now": "2026-11-25T10:00:00Z"})
    assert default_contracts().problems("sim-clock", {"now": "2026-11-25T10:00:00Z"}) == []


def test_schema_returns_the_parsed_file() -> None:
    assert default_contracts().schema("graph-error")["title"] == "Graph error envelope"


def test_env_variable_overrides_the_contracts_directory(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("MTDSIM_CONTRACTS", str(tmp_path))
    assert contracts_dir() == tmp_path


def test_broken_schema_file_fails_loading_with_its_path(tmp_path: Path) -> None:
    shutil.copy(contracts_dir() / "common.schema.json", tmp_path)
    (tmp_path / "bad.schema.json").write_text('{"$id": "https://mtdsim.example/contracts/bad.schema.json", "type": 5}')
    with pytest.raises(ConfigError, match=r"bad\.schema\.json"):
        ContractSet.load(tmp_path)


def test_empty_directory_fails_loading(tmp_path: Path) -> None:
    with pytest.raises(ConfigError, match=r"no \*\.schema\.json"):
        ContractSet.load(tmp_path)
