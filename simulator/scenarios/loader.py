"""Load ``*.scenario.yaml`` files into Scenario records: YAML with lines, schema check, then the checks a schema
cannot express (one action per step, unique names, known devices and partners)."""

from __future__ import annotations

import dataclasses
from collections.abc import Iterable, Mapping
from pathlib import Path
from typing import Any

from simulator.errors import ScenarioSyntaxError, ScenarioSyntaxErrors
from simulator.scenarios.model import (
    ACTIONS,
    DEFAULT_CLOCK,
    DEFAULT_TENANT,
    AppSpec,
    ComplianceExpect,
    ConnectorSpec,
    DeviceSpec,
    Expect,
    Given,
    PolicySpec,
    Retry,
    Scenario,
    Step,
    TenantGiven,
)
from simulator.scenarios.parameters import rows_of, substitute_row
from simulator.scenarios.references import check_references
from simulator.scenarios.validation import check_document
from simulator.scenarios.yamlsource import LineMap, load_documents

__all__ = ["load_file", "load_files", "load_text", "plain"]


def load_file(path: Path) -> list[Scenario]:
    """Every scenario of one file, in order; raises ScenarioSyntaxError naming each malformed scenario's problem
    (``ScenarioSyntaxErrors`` when there are several)."""
    try:
        text = path.read_text("utf-8")
    except (OSError, UnicodeDecodeError) as exc:
        raise ScenarioSyntaxError(f"cannot read scenario file: {exc}", path=path, line=1) from exc
    return load_text(text, path)


def load_files(paths: Iterable[Path]) -> list[Scenario]:
    """The scenarios of every file, in order; the problems of every file are raised together."""
    scenarios: list[Scenario] = []
    problems: list[ScenarioSyntaxError] = []
    for path in paths:
        try:
            scenarios += load_file(path)
        except ScenarioSyntaxError as exc:
            problems.append(exc)
    if problems:
        raise ScenarioSyntaxErrors.of(problems)
    return scenarios


def load_text(text: str, path: Path) -> list[Scenario]:
    """A YAML syntax error stops at once (what follows it cannot be read); any other problem stops only its own
    scenario, and the next document is checked."""
    scenarios: list[Scenario] = []
    problems: list[ScenarioSyntaxError] = []
    seen: dict[str, int] = {}
    for line, document in load_documents(text, path):
        try:
            variants = _variants(document, path, line, seen)
        except ScenarioSyntaxError as exc:
            problems.append(exc)
            continue
        for scenario in variants:
            seen[scenario.name] = scenario.line
        scenarios += variants
    if problems:
        raise ScenarioSyntaxErrors.of(problems)
    if not scenarios:
        raise ScenarioSyntaxError("the file holds no scenario", path=path, line=1)
    return scenarios


def _variants(document: Any, path: Path, line: int, seen: Mapping[str, int]) -> list[Scenario]:
    """The scenario of one document, or one per row of its ``parametrize`` table."""
    if not isinstance(document, LineMap) or "parametrize" not in document:
        return [_checked(document, path, line, seen)]
    variants: list[Scenario] = []
    for row in rows_of(document, path):
        try:
            variant = _checked(substitute_row(document, row.values), path, line, seen, row.id, row.values)
        except ScenarioSyntaxError as exc:
            message = f"parametrize row {row.id!r} (line {row.line}): {exc.message}"
            raise ScenarioSyntaxError(message, path=path, line=exc.line, suggestion=exc.suggestion) from exc
        variants.append(variant)
    return variants


def _checked(
    document: Any,
    path: Path,
    line: int,
    seen: Mapping[str, int],
    row_id: str | None = None,
    parameters: Mapping[str, Any] | None = None,
) -> Scenario:
    check_document(document, path, line)
    scenario = _scenario(document, path, line)
    if row_id is not None:
        scenario = dataclasses.replace(scenario, name=f"{scenario.name}[{row_id}]", parameters=dict(parameters or {}))
    if scenario.name in seen:
        message = f"scenario name {scenario.name!r} is used twice (first on line {seen[scenario.name]})"
        raise ScenarioSyntaxError(message, path=path, line=document.key_lines["name"])
    check_references(scenario, document)
    return scenario


def plain(value: Any) -> Any:
    """LineMap/LineList to plain dict/list, recursively (what goes on the wire)."""
    if isinstance(value, dict):
        return {k: plain(v) for k, v in value.items()}
    if isinstance(value, list):
        return [plain(v) for v in value]
    return value


def _scenario(doc: LineMap, path: Path, line: int) -> Scenario:
    steps = tuple(_step(i, raw, path) for i, raw in enumerate(doc["steps"]))
    return Scenario(
        name=doc["name"],
        path=path,
        line=doc.key_lines.get("name", line),
        source=doc["source"],
        steps=steps,
        given=_given(doc.get("given") or {}),
        tags=tuple(doc.get("tags", ())),
        description=doc.get("description", ""),
    )


def _given(raw: Mapping[str, Any]) -> Given:
    clock = raw.get("clock", DEFAULT_CLOCK)
    if "tenants" in raw:
        return Given(clock, tuple(_tenant(name, spec or {}, name) for name, spec in raw["tenants"].items()))
    return Given(clock, (_tenant(DEFAULT_TENANT, raw, raw.get("tenant", "Contoso")),))


def _tenant(name: str, raw: Mapping[str, Any], display_name: str) -> TenantGiven:
    connectors = tuple(_connector(k, v or {}) for k, v in (raw.get("connectors") or {}).items())
    policies = tuple(p for platform, v in (raw.get("policies") or {}).items() for p in _policies(platform, v))
    return TenantGiven(
        name=name,
        display_name=raw.get("displayName", display_name),
        connectors=connectors,
        partners=tuple(raw.get("partners", ())),
        policies=policies,
        devices=devices(raw.get("devices") or {}),
    )


def _connector(partner: str, raw: Mapping[str, Any]) -> ConnectorSpec:
    settings = {k: v for k, v in raw.items() if k not in ("heartbeat", "condition")}
    return ConnectorSpec(partner, plain(settings), raw.get("heartbeat", True), raw.get("condition"))


def _policies(platform: str, raw: Any) -> list[PolicySpec]:
    items = raw if isinstance(raw, list) else [raw]
    return [
        PolicySpec(platform, item["level"], item.get("enabled", True))
        if isinstance(item, dict)
        else PolicySpec(platform, item)
        for item in items
    ]


def devices(raw: Mapping[str, Any]) -> tuple[DeviceSpec, ...]:
    """Device specs from a ``devices:``/``enroll:`` mapping of name -> fields."""
    return tuple(
        DeviceSpec(
            name=name,
            platform=d["platform"],
            os_version=d["osVersion"],
            ownership=d.get("ownership", "company"),
            registered=d.get("registered", True),
            user=d.get("user"),
            azure_ad_device_id=d.get("azureADDeviceId"),
            apps=tuple(
                AppSpec(a["bundleId"], a.get("name"), a.get("version"), a.get("managed", True))
                for a in d.get("apps", ())
            ),
        )
        for name, d in raw.items()
    )


def _step(index: int, raw: LineMap, path: Path) -> Step:
    actions = [k for k in raw if k in ACTIONS]
    if len(actions) != 1:
        if actions:
            message = f"steps[{index}]: a step has one action, this one has {', '.join(actions)}; split it"
        else:
            message = f"steps[{index}]: a step needs an action, one of: {', '.join(ACTIONS)}"
        raise ScenarioSyntaxError(message, path=path, line=raw.line)
    action = actions[0]
    retry = raw.get("retry")
    return Step(
        index=index,
        line=raw.line,
        action=action,
        args=plain(raw[action]),
        name=raw.get("name"),
        expect=_expect(raw["expect"]) if "expect" in raw else None,
        save=dict(raw.get("save") or {}),
        retry=_retry(retry) if retry is not None else None,
        tenant=raw.get("tenant"),
    )


def _retry(raw: LineMap) -> Retry:
    fail_if = raw.get("fail_if")
    return Retry(
        until=_expect(raw["until"]),
        fail_if=_expect(fail_if) if fail_if is not None else None,
        timeout=float(raw.get("timeout", 5.0)),
        interval=float(raw.get("interval", 0.05)),
    )


def _expect(raw: LineMap) -> Expect:
    status = raw.get("status")
    compliance = {
        name: ComplianceExpect(v) if isinstance(v, str) else ComplianceExpect(v["state"], v.get("rule"))
        for name, v in (raw.get("compliance") or {}).items()
    }
    return Expect(
        line=raw.line,
        status=tuple(status) if isinstance(status, list) else (status,) if status is not None else (),
        has_json="json" in raw,
        json=plain(raw.get("json")),
        schema=raw.get("schema"),
        headers=dict(raw.get("headers") or {}),
        compliance=compliance,
        connectors=plain(raw.get("connectors") or {}),
        journal=plain(raw["journal"]) if "journal" in raw else None,
        violations=raw.get("violations"),
        absent=tuple(raw.get("absent", ())),
        any_of=tuple(_expect(alternative) for alternative in raw.get("any_of", ())),
    )

