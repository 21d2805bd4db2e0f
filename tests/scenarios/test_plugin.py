from __future__ import annotations

import pytest

PASSING = """\
name: heartbeat enables a connector with android on
tags: [partnerState, smoke]
source: modelled
given:
  connectors:
    demo: {androidEnabled: true, heartbeat: false}
steps:
  - heartbeat: demo
    expect:
      status: 200
      json: {partnerState: enabled, androidEnabled: true}
---
name: the clock advances
source: modelled
steps:
  - advance: P14D
    expect: {json: {now: "2026-12-09T10:00:00Z"}}
"""

FAILING = """\
name: wrong expectation
source: modelled
given:
  connectors:
    demo: {iosEnabled: true}
steps:
  - connector: demo
  - name: claims android is on
    connector: demo
    expect:
      json: {partnerState: enabled, androidEnabled: true}
"""


def _run(pytester: pytest.Pytester, plugin_args: list[str], *args: str) -> pytest.RunResult:
    pytester.makeini("[pytest]\nasyncio_default_fixture_loop_scope = function\n")
    return pytester.runpytest(*plugin_args, "-p", "no:cacheprovider", "--strict-markers", *args)


def test_each_scenario_document_is_one_passing_item(pytester: pytest.Pytester, plugin_args: list[str]) -> None:
    pytester.makefile(".scenario.yaml", suite=PASSING)
    result = _run(pytester, plugin_args, "-v")
    result.assert_outcomes(passed=2)
    result.stdout.fnmatch_lines(["*suite.scenario.yaml::heartbeat enables a connector with android on PASSED*"])


def test_failing_scenario_shows_location_request_response_and_pointer(
    pytester: pytest.Pytester, plugin_args: list[str]
) -> None:
    pytester.makefile(".scenario.yaml", suite=FAILING)
    result = _run(pytester, plugin_args)
    result.assert_outcomes(failed=1)
    result.stdout.fnmatch_lines(
        [
            "*suite.scenario.yaml:8: step 2 `connector` (claims android is on): 1 expectation(s) failed",
            "*scenario: wrong expectation (*suite.scenario.yaml:1)",
            "request sent:",
            "  GET http://127.0.0.1:*/partner/v1/connector",
            "response received:",
            "  HTTP 200",
            "mismatches (JSON pointer: expected, actual):",
            "  /androidEnabled: expected true, got false",
            "reproduce (from a clean state; with --target, set MTDSIM_CONTROL_KEY):",
            "  mtdsim run '*suite.scenario.yaml::wrong expectation' --seed 0",
            "the failing request as curl (valid only while that run's state exists):",
            "  curl -i -X GET *",
        ]
    )


def test_malformed_file_is_a_collection_error_with_a_suggestion(
    pytester: pytest.Pytester, plugin_args: list[str]
) -> None:
    broken = PASSING.replace("    expect:\n      status", "    expcet:\n      status")
    pytester.makefile(".scenario.yaml", broken=broken)
    result = _run(pytester, plugin_args)
    result.assert_outcomes(errors=1)
    result.stdout.fnmatch_lines(["*broken.scenario.yaml:9: steps[[]0]: unknown key 'expcet' (did you mean 'expect'?)"])
    assert "Traceback" not in result.stdout.str()


def test_tags_become_markers_usable_with_strict_markers(pytester: pytest.Pytester, plugin_args: list[str]) -> None:
    pytester.makefile(".scenario.yaml", suite=PASSING)
    result = _run(pytester, plugin_args, "-m", "smoke", "-v")
    result.assert_outcomes(passed=1, deselected=1)
    result.stdout.fnmatch_lines(["*heartbeat enables a connector with android on PASSED*"])


def test_keyword_selects_scenarios_by_name(pytester: pytest.Pytester, plugin_args: list[str]) -> None:
    pytester.makefile(".scenario.yaml", suite=PASSING)
    result = _run(pytester, plugin_args, "-k", "clock", "-v")
    result.assert_outcomes(passed=1, deselected=1)
    result.stdout.fnmatch_lines(["*the clock advances PASSED*"])


def test_unreachable_target_fails_each_scenario_saying_it_cannot_be_reached(
    pytester: pytest.Pytester, plugin_args: list[str]
) -> None:
    pytester.makefile(".scenario.yaml", suite=PASSING)
    result = _run(pytester, plugin_args, "--mtdsim-target", "http://127.0.0.1:9", "--mtdsim-control-key", "k")
    result.assert_outcomes(failed=2)
    result.stdout.fnmatch_lines(["E * simulator.errors.ConfigError: --target http://127.0.0.1:9 cannot be reached*"])


def test_errors_that_are_not_scenario_failures_keep_pytests_traceback(
    pytester: pytest.Pytester, plugin_args: list[str], monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.delenv("MTDSIM_CONTROL_KEY", raising=False)
    pytester.makefile(".scenario.yaml", suite=PASSING)
    result = _run(pytester, plugin_args, "--mtdsim-target", "http://127.0.0.1:9")
    result.assert_outcomes(failed=2)
    result.stdout.fnmatch_lines(["*def runtest(self)*", "E * simulator.errors.ConfigError: --target needs*"])


def test_report_info_points_at_the_scenario_line(pytester: pytest.Pytester, plugin_args: list[str]) -> None:
    pytester.makefile(".scenario.yaml", suite=PASSING)
    pytester.makeini("[pytest]\nasyncio_default_fixture_loop_scope = function\n")
    items, _ = pytester.inline_genitems(*plugin_args)
    assert [item.reportinfo()[1] for item in items] == [0, 12]
    assert [m.name for m in items[0].iter_markers()] == ["partnerState", "smoke"]
