from __future__ import annotations

import asyncio
from pathlib import Path

import pytest

from simulator.errors import ConfigError, ScenarioSyntaxError, StepFailed
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


def test_an_unknown_variable_is_refused_at_load_naming_it() -> None:
    with pytest.raises(ScenarioSyntaxError) as info:
        _run_text("  - request: {method: GET, path: '/beta/x/{nothing}', auth: admin}\n")
    assert info.value.line == 7
    assert "unknown variable {nothing}; known: base, connector.demo, now, tenant" in info.value.message


def test_a_variable_is_known_only_after_the_step_that_saves_it() -> None:
    with pytest.raises(ScenarioSyntaxError) as info:
        _run_text(
            "  - request: {method: GET, path: '/beta/x/{id}', auth: admin}\n"
            "  - connector: demo\n    save: {id: /id}\n"
        )
    assert (info.value.line, "unknown variable {id}" in info.value.message) == (7, True)


def test_a_failure_report_has_location_request_response_mismatches_and_curl() -> None:
    failure = _failure("  - name: wrong\n    connector: demo\n    expect: {json: {partnerState: available}}\n")
    text = render_failure(failure)
    assert text.splitlines()[0] == "t.scenario.yaml:7: step 1 `connector` (wrong): 1 expectation(s) failed"
    assert "request sent:\n  GET http://127.0.0.1:" in text
    assert "response received:\n  HTTP 200\n" in text
    assert '  /partnerState: expected "available", got "enabled"' in text
    assert "(valid only while that run's state exists):\n  curl -i -X GET http://127.0.0.1:" in text


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


def test_absent_fails_on_a_pointer_that_resolves_and_on_a_text_that_appears() -> None:
    failure = _failure("  - connector: demo\n    expect: {absent: [/iosEnabled, /nothingHere, notSetUp, '{tenant}']}\n")
    assert [(m.pointer, m.expected, m.actual) for m in failure.mismatches] == [("/iosEnabled", "<absent>", True)]
    text = _failure("  - connector: demo\n    expect: {absent: [enabled]}\n").mismatches
    assert [(m.pointer, m.expected) for m in text] == [("(body)", "no 'enabled'")]
    assert "partnerState" in text[0].actual


def test_any_of_passes_when_one_alternative_holds_and_otherwise_lists_why_each_failed() -> None:
    passed = _run_text(
        "  - connector: demo\n"
        "    expect: {any_of: [{status: 404}, {json: {partnerState: enabled}}], json: {iosEnabled: true}}\n"
    )
    assert passed.failure is None
    failure = _failure(
        "  - connector: demo\n    expect: {any_of: [{status: [403, 404]}, {json: {partnerState: available}}]}\n"
    )
    assert [(m.pointer, m.actual) for m in failure.mismatches] == [
        ("any_of[0] (status)", 200), ("any_of[1] /partnerState", "enabled")]  # fmt: skip


def test_any_of_alternatives_without_a_status_expect_a_2xx() -> None:
    failure = _failure(
        "  - app_sync: {azureADDeviceId: 6b1c1f2e-0000-4000-8000-000000000009}\n"
        "    expect: {any_of: [{json: {value: []}}, {absent: [/error]}]}\n"
    )
    assert ("any_of[0] (status)", "2xx", 403) in [(m.pointer, m.expected, m.actual) for m in failure.mismatches]


TWO_TENANTS = """\
name: two tenants
source: modelled
given:
  tenants:
    contoso:
      connectors:
        demo: {androidEnabled: true}
      policies:
        android: secured
      devices:
        pixel: {platform: android, osVersion: "14.0"}
    fabrikam:
      connectors:
        lookout: {androidEnabled: true}
      devices:
        galaxy: {platform: android, osVersion: "13"}
steps:
"""


def _two_tenants(steps: str) -> Outcome:
    scenarios = load_text(TWO_TENANTS + steps, Path("t.scenario.yaml"))
    (outcome,) = asyncio.run(run_all(scenarios, RunOptions(seed=5)))
    return outcome


def test_each_tenant_is_created_with_its_own_apps_and_a_step_acts_in_the_tenant_it_names() -> None:
    outcome = _two_tenants(
        "  - request: {method: GET, path: '/_sim/tenants', auth: control}\n"
        "    expect:\n"
        "      json: {'/value/1/id': '{tenant.contoso}', '/value/2/id': '{tenant.fabrikam}',\n"
        "             '/value/2/displayName': fabrikam}\n"
        "  - tenant: fabrikam\n"
        "    report: {device: galaxy, threatState: highSeverity}\n"
        "    expect: {json: {acceptedCount: 1}, compliance: {galaxy: {state: compliant, rule: notEvaluated}}}\n"
        "  - report: {device: pixel, threatState: highSeverity}\n"
        "    expect: {json: {acceptedCount: 1}, compliance: {pixel: {state: noncompliant, rule: threatLevel}}}\n"
        "  - tenant: fabrikam\n"
        "    request: {method: GET, path: /v1.0/deviceManagement/managedDevices, auth: admin}\n"
        "    expect: {json: {value: [{azureADDeviceId: '{device.galaxy}'}]}, absent: ['{device.pixel}']}\n"
        "  - tenant: fabrikam\n"
        "    check: true\n"
        "    expect: {compliance: {pixel: noncompliant}}\n"
    )
    assert outcome.failure is None, outcome.failure and render_failure(outcome.failure)


def test_a_partner_of_one_tenant_cannot_report_about_a_device_of_another() -> None:
    failure = _two_tenants(
        "  - tenant: fabrikam\n"
        "    report: {device: pixel, threatState: highSeverity}\n"
        "    expect: {json: {acceptedCount: 1}}\n"
    ).failure
    assert failure is not None
    assert [(m.pointer, m.actual) for m in failure.mismatches] == [("/acceptedCount", 0)]
    assert failure.response["results"][0]["code"] == "deviceNotFound"
