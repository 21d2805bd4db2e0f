from __future__ import annotations

import asyncio
from pathlib import Path

import pytest

from simulator.errors import ConfigError, StepFailed
from simulator.scenarios import RunOptions, load_text, run_all
from simulator.scenarios.embedded import embedded_target
from simulator.scenarios.render import render_failure
from simulator.scenarios.session import Outcome

HEAD = """\
name: s
source: modelled
given:
  connectors:
    demo: {iosEnabled: true}
steps:
"""
FLAKY = """\
  - fault:
      match: {route: /partner/v1/connector}
      when: {first: 2}
      then: {error: {status: 503, retryAfter: 0}}
"""


def _run_text(steps: str) -> Outcome:
    scenarios = load_text(HEAD + steps, Path("t.scenario.yaml"))
    (outcome,) = asyncio.run(run_all(scenarios, RunOptions(seed=5)))
    return outcome


def _failure(steps: str) -> StepFailed:
    failure = _run_text(steps).failure
    assert failure is not None
    return failure


def test_retry_repeats_the_action_until_the_expectation_holds() -> None:
    outcome = _run_text(
        FLAKY
        + "  - connector: demo\n"
        + "    retry: {until: {status: 200}, timeout: 5, interval: 0.01}\n"
        + "    expect: {json: {partnerState: enabled}, journal: {count: 3, route: /partner/v1/connector}}\n"
    )
    assert outcome.failure is None


def test_retry_gives_up_at_once_when_fail_if_holds() -> None:
    failure = _failure(
        FLAKY + "  - connector: demo\n    retry: {until: {status: 200}, fail_if: {status: 503}, timeout: 5}\n"
    )
    assert failure.mismatches[0].pointer == "(retry.fail_if)"
    assert failure.request.status == 503


def test_retry_reports_the_unmet_expectation_after_its_timeout() -> None:
    failure = _failure("  - connector: demo\n    retry: {until: {status: 201}, timeout: 0.1, interval: 0.02}\n")
    assert [(m.pointer, m.expected, m.actual) for m in failure.mismatches] == [("(status)", 201, 200)]


def test_saved_values_are_reused_in_later_steps_with_their_type() -> None:
    outcome = _run_text(
        "  - connector: demo\n"
        "    save: {days: /partnerUnresponsivenessThresholdInDays, cid: /id}\n"
        "  - request:\n"
        "      method: PATCH\n"
        "      path: /beta/deviceManagement/mobileThreatDefenseConnectors/{cid}\n"
        "      auth: admin\n"
        "      json: {partnerUnresponsivenessThresholdInDays: '{days}'}\n"
        "    expect: {json: {id: '{cid}', partnerUnresponsivenessThresholdInDays: 7}}\n"
    )
    assert outcome.failure is None


def test_an_unknown_variable_fails_the_step_naming_it() -> None:
    failure = _failure("  - request: {method: GET, path: '/beta/x/{nothing}', auth: admin}\n")
    assert (failure.line, failure.step) == (7, "step 1 `request`")
    assert "unknown variable {nothing}" in failure.message


def test_a_failure_report_has_location_request_response_mismatches_and_curl() -> None:
    failure = _failure("  - name: wrong\n    connector: demo\n    expect: {json: {partnerState: available}}\n")
    text = render_failure(failure)
    assert text.splitlines()[0] == "t.scenario.yaml:7: step 1 `connector` (wrong): 1 expectation(s) failed"
    assert "request sent:\n  GET http://127.0.0.1:" in text
    assert "response received:\n  HTTP 200\n" in text
    assert '  /partnerState: expected "available", got "enabled"' in text
    assert "reproduce:\n  curl -i -X GET http://127.0.0.1:" in text


def test_a_step_without_expect_must_succeed() -> None:
    failure = _failure("  - app_sync: {azureADDeviceId: 6b1c1f2e-0000-4000-8000-000000000009}\n")
    assert [(m.pointer, m.expected, m.actual) for m in failure.mismatches] == [("(status)", "2xx", 403)]


async def test_scenarios_run_against_another_server_given_by_url() -> None:
    scenarios = load_text(HEAD + "  - connector: demo\n    expect: {json: {partnerState: enabled}}\n", Path("t.yaml"))
    async with embedded_target(seed=3) as server:
        options = RunOptions(seed=3, target=server.base_url, control_key=server.control_key)
        outcomes = await run_all(scenarios, options)
        with pytest.raises(ConfigError, match="refused the control key"):
            await run_all(scenarios, RunOptions(seed=3, target=server.base_url, control_key="nope"))
    assert [o.passed for o in outcomes] == [True]
