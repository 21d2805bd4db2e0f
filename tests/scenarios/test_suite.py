from __future__ import annotations

import asyncio
from datetime import datetime

import pytest

from simulator.domain import compliance
from simulator.domain.connector import Connector
from simulator.domain.enums import Platform
from simulator.scenarios import RunOptions, load_file, run_all, scenario_files, shipped_suite
from simulator.scenarios.model import Scenario
from simulator.scenarios.session import Outcome


def _suite() -> list[Scenario]:
    return [s for path in scenario_files([shipped_suite()]) for s in load_file(path)]


def _run(scenarios: list[Scenario]) -> list[Outcome]:
    return asyncio.run(run_all(scenarios, RunOptions(seed=7)))


def _failed(outcomes: list[Outcome]) -> set[str]:
    return {o.scenario.name for o in outcomes if not o.passed}


def test_shipped_suite_has_at_least_forty_scenarios_each_with_a_source() -> None:
    scenarios = _suite()
    assert len(scenarios) >= 40
    assert all(s.source.strip() for s in scenarios)
    assert len({(s.path.name, s.name) for s in scenarios}) == len(scenarios)


def test_shipped_suite_covers_every_rejection_code() -> None:
    text = "\n".join(path.read_text("utf-8") for path in scenario_files([shipped_suite()]))
    codes = ["deviceNotFound", "deviceNotRegistered", "platformMismatch", "platformNotEnabled", "staleReport",
             "clockSkew", "connectorNotActive", "connectorNotConfigured", "appSyncDisabled", "platformNotSupported"]
    assert [c for c in codes if f"code: {c}" not in text] == []


def test_suite_fails_when_the_unresponsive_partner_rule_is_ignored(monkeypatch: pytest.MonkeyPatch) -> None:
    def never_unresponsive(connector: Connector, now: datetime) -> bool:
        return False

    monkeypatch.setattr(compliance, "is_unresponsive", never_unresponsive)
    outcomes = _run(_suite())
    failed = _failed(outcomes)
    assert {
        "one second past N days the connector is unresponsive and its data is ignored",
        "a late heartbeat brings an unresponsive connector back and its data counts again",
        "an unresponsive partner is ignored while the other partner still decides",
        "when every enabled partner is unresponsive the device is compliant",
    } <= failed
    failure = next(o.failure for o in outcomes if o.failure is not None)
    assert any("complianceState" in m.pointer for m in failure.mismatches)


def test_suite_fails_when_unsupported_os_versions_are_never_blocked(monkeypatch: pytest.MonkeyPatch) -> None:
    def never_below(version: str, minimum: str) -> bool:
        return False

    monkeypatch.setattr(compliance, "version_below", never_below)
    failed = _failed(_run(_suite()))
    assert failed == {
        "blocking unsupported os versions makes a device below the partner minimum noncompliant",
        "unsupported os versions are not blocked while the toggle is off",
    }


@pytest.mark.parametrize("shift", [1, -1], ids=["strict-less-than", "one-level-lenient"])
def test_suite_fails_when_the_threat_level_comparison_is_off_by_one(
    monkeypatch: pytest.MonkeyPatch, shift: int
) -> None:
    """Shifting every reported rank by one is ``rank < L`` (+1) or ``rank <= L + 1`` (-1) in place of ``rank <= L``."""
    shifted = {state: rank + shift for state, rank in compliance.REPORTED_RANK.items()}
    monkeypatch.setattr(compliance, "REPORTED_RANK", shifted)
    failed = _failed(_run(_suite()))
    assert {
        "a secured policy allows no threat at all",
        "a low policy allows low threats only",
        "a medium policy allows low and medium threats",
        "ios toggle on lets partner data decide ios compliance",
    } <= failed


def test_suite_fails_when_missing_partner_data_never_blocks(monkeypatch: pytest.MonkeyPatch) -> None:
    def never_blocks(connector: Connector, platform: Platform) -> bool:
        return False

    monkeypatch.setattr(Connector, "blocks_on_missing_data", never_blocks)
    failed = _failed(_run(_suite()))
    assert {
        "missing partner data marks android devices noncompliant when the android toggle says so",
        "missing partner data marks ios devices noncompliant when the ios toggle says so",
        "with two partners on one platform a missing scan from either makes the device noncompliant",
        "activated deactivated unknown and unresponsive count as no report",
    } <= failed


def test_suite_fails_when_every_partner_must_object_instead_of_any(monkeypatch: pytest.MonkeyPatch) -> None:
    """A module-level ``any`` shadows the builtin in compliance.py only: rule 3 becomes "all connectors say so"."""
    monkeypatch.setattr(compliance, "any", all, raising=False)
    failed = _failed(_run(_suite()))
    assert {
        "with two partners on one platform a missing scan from either makes the device noncompliant",
        "with two partners on one platform either partner's threat makes the device noncompliant",
    } <= failed


def test_shipped_suite_passes_against_the_real_rules() -> None:
    outcomes = _run(_suite())
    assert [o.failure for o in outcomes if o.failure is not None] == []
