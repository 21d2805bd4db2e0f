from __future__ import annotations

import asyncio
from datetime import datetime

import pytest

from simulator.domain import compliance
from simulator.domain.connector import Connector
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


def test_shipped_suite_passes_against_the_real_rules() -> None:
    outcomes = _run(_suite())
    assert [o.failure for o in outcomes if o.failure is not None] == []
