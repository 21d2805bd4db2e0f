from __future__ import annotations

from pathlib import Path

import pytest

from simulator.contracts import default_contracts
from simulator.errors import ScenarioSyntaxError, ScenarioSyntaxErrors
from simulator.scenarios.loader import load_file, load_files, load_text
from simulator.scenarios.validation import scenario_schema

GOOD = """\
name: heartbeat enables the connector
tags: [partnerState]
source: modelled
given:
  clock: 2026-11-25T10:00:00Z
  connectors:
    demo: {androidEnabled: true}
  policies:
    android: medium
    ios: [low, {level: high, enabled: false}]
  devices:
    a1: {platform: android, osVersion: "14.0", ownership: personal, registered: false}
steps:
  - heartbeat: demo
    expect:
      status: 200
      json: {partnerState: enabled}
  - name: report secured
    report: {device: a1, threatState: secured}
    save: {first: /results/0/status}
    expect: {compliance: {a1: {state: compliant, rule: threatLevel}}}
---
name: second scenario
source: modelled
steps:
  - advance: P7D
"""


def _error(text: str) -> ScenarioSyntaxError:
    with pytest.raises(ScenarioSyntaxError) as info:
        load_text(text, Path("suite.scenario.yaml"))
    return info.value


def test_each_yaml_document_becomes_one_scenario_with_its_line() -> None:
    first, second = load_text(GOOD, Path("suite.scenario.yaml"))
    assert (first.name, first.line, first.tags) == ("heartbeat enables the connector", 1, ("partnerState",))
    assert (second.name, second.line) == ("second scenario", 23)


def test_steps_keep_their_line_action_and_arguments() -> None:
    first = load_text(GOOD, Path("s.scenario.yaml"))[0]
    heartbeat, report = first.steps
    assert (heartbeat.line, heartbeat.action, heartbeat.args) == (14, "heartbeat", "demo")
    assert heartbeat.expect is not None and heartbeat.expect.status == (200,)
    assert report.title == "step 2 `report` (report secured)"
    assert report.save == {"first": "/results/0/status"}
    assert report.expect is not None and report.expect.compliance["a1"].rule == "threatLevel"


def test_given_is_read_into_records_with_defaults() -> None:
    given = load_text(GOOD, Path("s.scenario.yaml"))[0].given
    assert given.clock == "2026-11-25T10:00:00Z"
    assert [(c.partner, dict(c.settings), c.heartbeat) for c in given.connectors] == [
        ("demo", {"androidEnabled": True}, True)
    ]
    assert [(p.platform, p.level, p.enabled) for p in given.policies] == [
        ("android", "medium", True),
        ("ios", "low", True),
        ("ios", "high", False),
    ]
    device = given.devices[0]
    assert (device.name, device.ownership, device.registered) == ("a1", "personal", False)


def test_unknown_step_key_is_located_and_the_closest_key_suggested() -> None:
    error = _error(GOOD.replace("    expect:\n      status: 200", "    expcet:\n      status: 200"))
    assert str(error) == "suite.scenario.yaml:15: steps[0]: unknown key 'expcet' (did you mean 'expect'?)"
    assert (error.line, error.suggestion) == (15, "expect")


def test_unknown_connector_setting_suggests_the_graph_name() -> None:
    error = _error(GOOD.replace("demo: {androidEnabled: true}", "demo: {androidEnable: true}"))
    assert error.line == 7
    assert "unknown key 'androidEnable'" in str(error)
    assert error.suggestion == "androidEnabled"


def test_misspelt_enum_value_suggests_the_closest_value() -> None:
    error = _error(GOOD.replace("platform: android,", "platform: andriod,"))
    assert error.line == 12
    assert error.suggestion == "android"


def test_misspelt_contract_name_is_located_at_load_with_the_closest_contract() -> None:
    error = _error(GOOD.replace("      status: 200\n", "      status: 200\n      schema: partner-conector\n"))
    assert str(error).startswith("suite.scenario.yaml:17: steps[0].expect.schema: 'partner-conector' is not one of")
    assert (error.line, error.suggestion) == (17, "partner-connector")


def test_scenario_schema_lists_exactly_the_contracts_a_step_can_name() -> None:
    listed = scenario_schema()["$defs"]["expect"]["properties"]["schema"]["enum"]
    assert sorted(listed) == [name for name in default_contracts().names if name != "scenario"]


def test_unquoted_version_number_asks_for_quotes() -> None:
    error = _error(GOOD.replace('osVersion: "14.0"', "osVersion: 17.10"))
    assert str(error).startswith("suite.scenario.yaml:12: given.devices.a1.osVersion: 17.1 is a number")


def test_missing_source_is_reported_on_the_scenario() -> None:
    error = _error("name: x\nsteps: [{advance: P1D}]\n")
    assert str(error) == "suite.scenario.yaml:1: scenario: 'source' is required"


def test_step_with_two_actions_is_rejected() -> None:
    error = _error(GOOD.replace("  - heartbeat: demo\n", "  - heartbeat: demo\n    advance: P1D\n"))
    assert error.line == 14
    assert "one action, this one has heartbeat, advance" in str(error)


def test_unknown_device_in_an_expectation_is_located() -> None:
    error = _error(GOOD.replace("{compliance: {a1:", "{compliance: {a2:"))
    assert (error.line, error.suggestion) == (21, "a1")


def test_step_without_partner_in_a_two_partner_scenario_is_rejected() -> None:
    error = _error(GOOD.replace("demo: {androidEnabled: true}", "demo: {}\n    lookout: {}"))
    assert "say which partner" in str(error)


def test_duplicate_keys_and_duplicate_names_are_errors() -> None:
    assert _error("name: a\nname: b\n").line == 2
    twice = "name: a\nsource: m\nsteps: [{advance: P1D}]\n---\nname: a\nsource: m\nsteps: [{advance: P1D}]\n"
    assert "used twice" in str(_error(twice))


def test_invalid_yaml_reports_the_parser_line() -> None:
    assert _error("name: x\nsteps: [1\nsource: y\n").line == 3


def test_every_malformed_scenario_of_a_file_is_reported_at_once() -> None:
    text = GOOD.replace("tags:", "tagz:").replace("steps:\n  - advance: P7D", "steps:\n  - advance: P7D\n    swap: 1")
    error = _error(text)
    assert isinstance(error, ScenarioSyntaxErrors)
    assert [(e.line, e.message) for e in error.errors] == [
        (2, "scenario: unknown key 'tagz'"), (27, "steps[0]: unknown key 'swap'")]  # fmt: skip
    assert (error.line, error.suggestion) == (2, "tags")  # it is also the first problem
    assert str(error).splitlines() == [
        "2 problems in scenario files:",
        "  suite.scenario.yaml:2: scenario: unknown key 'tagz' (did you mean 'tags'?)",
        "  suite.scenario.yaml:27: steps[0]: unknown key 'swap'",
    ]


def test_one_malformed_scenario_is_reported_alone_and_its_good_neighbours_are_not_loaded() -> None:
    error = _error(GOOD.replace("advance: P7D", "advanse: P7D"))
    assert not isinstance(error, ScenarioSyntaxErrors)
    assert error.line == 26


def test_problems_of_several_files_are_raised_together(tmp_path: Path) -> None:
    names = ("a.scenario.yaml", "b.scenario.yaml", "c.scenario.yaml")
    texts = (GOOD.replace("source: modelled\ngiven", "given"), GOOD, "name: x\nsteps: [1\n")
    for name, text in zip(names, texts, strict=True):
        (tmp_path / name).write_text(text, "utf-8")
    with pytest.raises(ScenarioSyntaxErrors) as info:
        load_files(tmp_path / name for name in names)
    assert [(Path(e.path).name, e.line) for e in info.value.errors] == [("a.scenario.yaml", 1), ("c.scenario.yaml", 3)]
    assert len(load_files([tmp_path / "b.scenario.yaml"])) == 2


def test_datetimes_stay_strings(tmp_path: Path) -> None:
    path = tmp_path / "t.scenario.yaml"
    path.write_text(GOOD, "utf-8")
    steps = load_file(path)[0].steps
    assert load_file(path)[0].given.clock == "2026-11-25T10:00:00Z"
    assert steps[0].args == "demo"
