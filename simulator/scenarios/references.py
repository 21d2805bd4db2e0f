"""Checks across a scenario that its schema cannot make: every device and partner a step names exists, and a
step that leaves out ``partner`` is in a scenario with exactly one partner."""

from __future__ import annotations

from collections.abc import Iterator
from typing import Any

from simulator.domain.catalog import CATALOG
from simulator.errors import ScenarioSyntaxError
from simulator.scenarios.model import Expect, Scenario, Step
from simulator.scenarios.validation import closest
from simulator.scenarios.yamlsource import LineMap, line_of

__all__ = ["PARTNER_ACTIONS", "check_references"]

# Actions that talk as a partner app, or to one partner's connector.
PARTNER_ACTIONS = frozenset(
    {"heartbeat", "connector", "devices", "report", "app_sync", "create_connector", "patch_connector",
     "delete_connector", "condition"}
)


def check_references(scenario: Scenario, document: LineMap) -> None:
    devices = {d.name for d in scenario.given.devices}
    partners = list(scenario.given.partner_keys)
    for step in scenario.steps:
        if step.action == "enroll":
            devices.update(step.args)
        if step.action == "create_connector" and isinstance(step.args, dict) and "partner" in step.args:
            partners.append(step.args["partner"])
    for key in partners:
        _known(key, list(CATALOG), "partner", scenario, document, ["given"])
    for step in scenario.steps:
        at = ["steps", step.index]
        for name, pointer in _device_refs(step):
            _known(name, sorted(devices), "device", scenario, document, [*at, *pointer])
        for name, pointer in _partner_refs(step):
            _known(name, partners, "partner", scenario, document, [*at, *pointer])
        if step.action in PARTNER_ACTIONS and _partner_of(step) is None and len(set(partners)) != 1:
            message = f"steps[{step.index}]: say which partner (`partner:`); the scenario has {partners or 'none'}"
            raise ScenarioSyntaxError(message, path=scenario.path, line=step.line)


def _known(name: str, known: list[str], kind: str, scenario: Scenario, doc: LineMap, at: list[Any]) -> None:
    if name in known:
        return
    line = line_of(doc, at, scenario.line)
    listed = f"; known: {', '.join(known)}" if known and len(known) <= 12 else ""
    suggestion = closest(name, known, cutoff=0.5)
    raise ScenarioSyntaxError(f"unknown {kind} {name!r}{listed}", path=scenario.path, line=line, suggestion=suggestion)


def _partner_of(step: Step) -> str | None:
    args = step.args
    if isinstance(args, str) and step.action in ("heartbeat", "connector", "devices"):
        return args
    return args.get("partner") if isinstance(args, dict) else None


def _device_refs(step: Step) -> Iterator[tuple[str, list[Any]]]:
    args = step.args
    if step.action == "app_sync" and isinstance(args, str):
        yield args, [step.action]
    elif step.action in ("report", "app_sync") and isinstance(args, dict):
        if "device" in args:
            yield args["device"], [step.action, "device"]
        for i, item in enumerate(args.get("reports", ())):
            if "device" in item:
                yield item["device"], [step.action, "reports", i, "device"]
    for label, expect in _expects(step):
        for name in expect.compliance:
            yield name, [*label, "compliance", name]


def _partner_refs(step: Step) -> Iterator[tuple[str, list[Any]]]:
    partner = _partner_of(step)
    if partner is not None and step.action != "create_connector":
        yield partner, [step.action]
    if step.action == "token" and "partner" in step.args:
        yield step.args["partner"], [step.action, "partner"]
    if step.action == "request" and str(step.args.get("auth", "")).startswith("partner:"):
        yield step.args["auth"].split(":", 1)[1], [step.action, "auth"]
    for label, expect in _expects(step):
        for name in expect.connectors:
            yield name, [*label, "connectors", name]


def _expects(step: Step) -> Iterator[tuple[list[str], Expect]]:
    if step.expect is not None:
        yield ["expect"], step.expect
    if step.retry is not None:
        yield ["retry", "until"], step.retry.until
        if step.retry.fail_if is not None:
            yield ["retry", "fail_if"], step.retry.fail_if
