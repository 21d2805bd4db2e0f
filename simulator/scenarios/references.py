"""Checks across a scenario that its schema cannot make, all at load: every tenant, device, partner and ``{variable}``
a step names exists by then, and a step that leaves out ``partner`` acts in a tenant with exactly one partner."""

from __future__ import annotations

import re
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
_SINGLE_TENANT_KEYS = ("tenant", "connectors", "partners", "policies", "devices")
_VARIABLE = re.compile(r"\{([A-Za-z_][A-Za-z0-9_.-]*)\}")


def check_references(scenario: Scenario, document: LineMap) -> None:
    _check_tenant_keys(scenario, document)
    tenants = {t.name: t for t in scenario.given.tenants}
    devices = _given_devices(scenario, document)
    partners = {name: list(t.partner_keys) for name, t in tenants.items()}
    for step in scenario.steps:
        tenant = step.tenant or scenario.given.default.name
        if step.action == "enroll":
            devices.update(step.args)
        if step.action == "create_connector" and isinstance(step.args, dict) and "partner" in step.args:
            partners.setdefault(tenant, []).append(step.args["partner"])
    for keys in partners.values():
        for key in keys:
            _known(key, list(CATALOG), "partner", scenario, document, ["given"])
    saved: set[str] = set()
    for step in scenario.steps:
        at = ["steps", step.index]
        if step.tenant is not None:
            _known(step.tenant, list(tenants), "tenant", scenario, document, [*at, "tenant"])
        tenant_partners = partners.get(step.tenant or scenario.given.default.name, [])
        for name, pointer in _device_refs(step):
            _known(name, sorted(devices), "device", scenario, document, [*at, *pointer])
        for name, pointer in _partner_refs(step):
            _known(name, tenant_partners, "partner", scenario, document, [*at, *pointer])
        if step.action in PARTNER_ACTIONS and _partner_of(step) is None and len(set(tenant_partners)) != 1:
            holder = f"tenant {step.tenant!r}" if step.tenant else "the scenario"
            listed = tenant_partners or "none"
            message = f"steps[{step.index}]: say which partner (`partner:`); {holder} has {listed}"
            raise ScenarioSyntaxError(message, path=scenario.path, line=step.line)
        known = _builtin_names(tenants, devices, partners) | saved
        for name, pointer in _variable_refs(step):
            _known(name, sorted(known), "variable", scenario, document, [*at, *pointer], braces=True)
        saved.update(step.save)


def _check_tenant_keys(scenario: Scenario, document: LineMap) -> None:
    given = document.get("given") or {}
    mixed = [k for k in _SINGLE_TENANT_KEYS if k in given] if "tenants" in given else []
    if mixed:
        message = f"given: with `tenants:`, {', '.join(mixed)} belong inside each tenant"
        raise ScenarioSyntaxError(message, path=scenario.path, line=line_of(document, ["given", mixed[0]], 1))


def _given_devices(scenario: Scenario, document: LineMap) -> set[str]:
    """Device names across every tenant; a name is unique in the scenario, so it also names its tenant."""
    names: set[str] = set()
    for tenant in scenario.given.tenants:
        for device in tenant.devices:
            if device.name in names:
                line = line_of(document, ["given", "tenants", tenant.name, "devices", device.name], scenario.line)
                message = f"device {device.name!r} is named in two tenants; device names are unique in a scenario"
                raise ScenarioSyntaxError(message, path=scenario.path, line=line)
            names.add(device.name)
    return names


def _builtin_names(tenants: dict[str, Any], devices: set[str], partners: dict[str, list[str]]) -> set[str]:
    names = {"now", "tenant", "base"}
    names |= {f"tenant.{t}" for t in tenants} | {f"device.{d}" for d in devices}
    names |= {f"connector.{p}" for keys in partners.values() for p in keys}
    return names


def _known(
    name: str, known: list[str], kind: str, scenario: Scenario, doc: LineMap, at: list[Any], *, braces: bool = False
) -> None:
    if name in known:
        return
    line = line_of(doc, at, scenario.line)
    listed = f"; known: {', '.join(known)}" if known and len(known) <= 12 else ""
    suggestion = closest(name, known, cutoff=0.5)
    shown = f"{{{name}}}" if braces else repr(name)
    raise ScenarioSyntaxError(f"unknown {kind} {shown}{listed}", path=scenario.path, line=line, suggestion=suggestion)


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


def _variable_refs(step: Step) -> Iterator[tuple[str, list[Any]]]:
    """Every ``{name}`` the runner will substitute: in the action's arguments and in json, headers and absent."""
    for name in _VARIABLE.findall(repr(step.args)):
        yield name, [step.action]
    for label, expect in _expects(step):
        for name in _VARIABLE.findall(repr((expect.json, dict(expect.headers), expect.absent))):
            yield name, label


def _expects(step: Step) -> Iterator[tuple[list[Any], Expect]]:
    if step.expect is not None:
        yield from _with_alternatives(["expect"], step.expect)
    if step.retry is not None:
        yield from _with_alternatives(["retry", "until"], step.retry.until)
        if step.retry.fail_if is not None:
            yield from _with_alternatives(["retry", "fail_if"], step.retry.fail_if)


def _with_alternatives(label: list[Any], expect: Expect) -> Iterator[tuple[list[Any], Expect]]:
    yield label, expect
    for index, alternative in enumerate(expect.any_of):
        yield from _with_alternatives([*label, "any_of", index], alternative)
