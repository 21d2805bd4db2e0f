"""The format's newer features at load: parametrize, several tenants, absent and any_of, enums and references."""

from __future__ import annotations

from pathlib import Path

import pytest

from simulator.errors import ScenarioSyntaxError
from simulator.scenarios.loader import load_text

TABLE = """\
name: level table
source: modelled
parametrize:
  - {level: low, reported: lowSeverity, verdict: compliant}
  - {id: too-high, level: low, reported: highSeverity, verdict: noncompliant}
given:
  connectors:
    demo: {iosEnabled: true}
  policies:
    ios: "{level}"
  devices:
    iphone: {platform: ios, osVersion: "17.4"}
steps:
  - report: {device: iphone, threatState: "{reported}"}
    expect: {compliance: {iphone: "{verdict}"}}
"""

TENANTS = """\
name: two tenants
source: modelled
given:
  tenants:
    contoso:
      connectors:
        demo: {androidEnabled: true}
      devices:
        pixel: {platform: android, osVersion: "14.0"}
    fabrikam:
      displayName: Fabrikam Ltd
      connectors:
        demo: {}
        lookout: {}
      devices:
        galaxy: {platform: android, osVersion: "13"}
steps:
  - devices: demo
    expect: {absent: ["{device.galaxy}", /value/1]}
  - tenant: fabrikam
    report: {partner: lookout, device: pixel}
    expect:
      any_of:
        - {status: 403}
        - {json: {rejectedCount: 1}}
"""


def _error(text: str) -> ScenarioSyntaxError:
    with pytest.raises(ScenarioSyntaxError) as info:
        load_text(text, Path("f.scenario.yaml"))
    return info.value


def test_each_parametrize_row_is_its_own_scenario_named_by_its_id() -> None:
    low, high = load_text(TABLE, Path("f.scenario.yaml"))
    assert (low.name, high.name) == ("level table[low-lowSeverity-compliant]", "level table[too-high]")
    assert high.given.policies[0].level == "low"
    assert high.steps[0].args == {"device": "iphone", "threatState": "highSeverity"}
    assert high.steps[0].expect is not None and high.steps[0].expect.compliance["iphone"].state == "noncompliant"
    assert dict(high.parameters) == {"level": "low", "reported": "highSeverity", "verdict": "noncompliant"}
    assert low.line == high.line == 1


def test_a_value_that_is_a_whole_placeholder_keeps_its_type() -> None:
    text = TABLE.replace("verdict: compliant}", "verdict: compliant, days: 7}").replace(
        "verdict: noncompliant}", "verdict: noncompliant, days: 1}"
    ).replace("demo: {iosEnabled: true}", "demo: {iosEnabled: true, partnerUnresponsivenessThresholdInDays: '{days}'}")
    low, high = load_text(text, Path("f.scenario.yaml"))
    assert (low.given.connectors[0].settings["partnerUnresponsivenessThresholdInDays"], high.name) == (
        7, "level table[too-high]")  # fmt: skip


def test_a_row_that_makes_an_enum_wrong_is_refused_at_load_naming_the_row_and_the_line_that_uses_it() -> None:
    error = _error(TABLE.replace("reported: highSeverity", "reported: hihgSeverity"))
    assert error.line == 14
    assert error.message.startswith("parametrize row 'too-high' (line 5): steps[0].report.threatState: 'hihgSeverity'")
    assert error.suggestion == "highSeverity"


@pytest.mark.parametrize(
    ("change", "line", "words"),
    [
        (("  - {id: too-high, level: low,", "  - {id: too-high,"), 5, "every row names the same values"),
        (("{id: too-high, ", "{id: low-lowSeverity-compliant, "), 5, "is used twice"),
        (("  - report: {device: iphone, threatState: \"{reported}\"}", "  - report: {device: iphone}"), 3,
         "reported never used"),
        (("level: low, reported: lowSeverity", "now: low, level: low, reported: lowSeverity"), 4, "built-in variable"),
        (("parametrize:\n", "parametrize: 3\nx:\n"), 3, "a list of rows"),
    ],
)
def test_a_malformed_table_is_refused_with_its_line(change: tuple[str, str], line: int, words: str) -> None:
    error = _error(TABLE.replace(*change))
    assert (error.line, words in error.message) == (line, True), str(error)


def test_several_tenants_load_with_their_own_connectors_and_devices_and_steps_name_their_tenant() -> None:
    (scenario,) = load_text(TENANTS, Path("f.scenario.yaml"))
    contoso, fabrikam = scenario.given.tenants
    assert (contoso.name, contoso.display_name, fabrikam.display_name) == ("contoso", "contoso", "Fabrikam Ltd")
    assert [d.name for d in fabrikam.devices] == ["galaxy"]
    assert fabrikam.partner_keys == ("demo", "lookout")
    first, second = scenario.steps
    assert (first.tenant, second.tenant) == (None, "fabrikam")
    assert first.expect is not None and first.expect.absent == ("{device.galaxy}", "/value/1")
    assert second.expect is not None and [a.status for a in second.expect.any_of] == [(403,), ()]


@pytest.mark.parametrize(
    ("change", "line", "words"),
    [
        (("  - tenant: fabrikam\n", "  - tenant: fabrikan\n"), 20, "unknown tenant 'fabrikan'"),
        (("report: {partner: lookout,", "report: {"), 20, "tenant 'fabrikam' has ['demo', 'lookout']"),
        (("  - devices: demo\n", "  - devices: lookout\n"), 18, "unknown partner 'lookout'; known: demo"),
        (("galaxy: {platform", "pixel: {platform"), 16, "device 'pixel' is named in two tenants"),
        (("given:\n  tenants:", "given:\n  connectors: {demo: {}}\n  tenants:"), 4, "belong inside each tenant"),
        (('"{device.galaxy}"', '"{device.galaxi}"'), 19, "unknown variable {device.galaxi}"),
        (("rejectedCount: 1}", "rejectedCount: '{count}'}"), 25, "unknown variable {count}"),
    ],
)
def test_tenants_partners_devices_and_variables_are_checked_at_load(
    change: tuple[str, str], line: int, words: str
) -> None:
    error = _error(TENANTS.replace(*change))
    assert (error.line, words in error.message) == (line, True), str(error)


def test_the_variables_of_every_tenant_are_known_at_load() -> None:
    text = TENANTS.replace('"{device.galaxy}"', '"{tenant.fabrikam}", "{connector.lookout}", "{tenant}"')
    assert len(load_text(text, Path("f.scenario.yaml"))) == 1


PLAIN = """\
name: plain
source: modelled
given:
  connectors:
    demo: {iosEnabled: true}
  devices:
    iphone: {platform: ios, osVersion: "17.4"}
steps:
  - report: {device: iphone, threatState: highSeverity}
    expect: {compliance: {iphone: {state: compliant, rule: threatLevel}}}
"""


@pytest.mark.parametrize(
    ("change", "line", "suggestion"),
    [
        (("threatState: highSeverity", "threatState: hgihSeverity"), 9, "highSeverity"),
        (("state: compliant,", "state: compliatn,"), 10, "compliant"),
        (("rule: threatLevel", "rule: threatLvl"), 10, "threatLevel"),
        (("report: {device: iphone,", "report: {device: iphone, platform: iso,"), 9, "ios"),
    ],
)
def test_a_bad_enum_in_a_step_is_refused_at_load_with_the_closest_value(
    change: tuple[str, str], line: int, suggestion: str
) -> None:
    assert len(load_text(PLAIN, Path("f.scenario.yaml"))) == 1
    error = _error(PLAIN.replace(*change))
    assert (error.line, error.suggestion) == (line, suggestion), str(error)
