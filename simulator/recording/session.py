"""Turn a recorded partner session into a scenario document (pure: no I/O).

Requests become ``request`` steps acting as the scenario's own apps (no secrets, no tokens), the mock's answers
become expectations (status and the body without what differs from run to run: ids it drew, times, links),
virtual time between requests becomes ``advance`` steps, and the devices' compliance at the end becomes a final
``check``. The configured tenants, with their devices' own azureADDeviceIds, become ``given``.
"""

from __future__ import annotations

import math
from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field
from datetime import datetime, timedelta
from pathlib import Path
from typing import Any

from simulator.domain.catalog import find_partner
from simulator.domain.clock import format_datetime
from simulator.errors import NotFound

__all__ = ["RecordedRequest", "Recorder", "scenario_document"]

_VOLATILE = frozenset({"id", "@odata.nextLink", "innerError", "message", "mobileThreatDefenseConnectorId"})


@dataclass(frozen=True, slots=True)
class RecordedRequest:
    at: datetime  # the virtual clock when it arrived
    method: str
    path_qs: str
    body: Any  # parsed JSON, or None
    status: int
    answer: Any  # parsed JSON, or None
    tenant: str | None
    connector: str | None  # set for partner apps
    kind: str  # "partner" | "admin"


@dataclass(slots=True)
class Recorder:
    """A session being recorded: written to ``path`` when the mock stops."""

    path: Path
    requests: list[RecordedRequest] = field(default_factory=list)
    start: datetime | None = None


def scenario_document(
    name: str,
    start: datetime,
    tenants: Sequence[Mapping[str, Any]],
    requests: Sequence[RecordedRequest],
    compliance: Mapping[str, str],
) -> dict[str, Any]:
    """``tenants``: each ``{"id", "displayName", "partners": [connector ids], "devices": [enroll wire dicts]}``;
    ``compliance``: azureADDeviceId -> complianceState at the end."""
    names = {t["id"]: f"t{i + 1}" for i, t in enumerate(tenants)}
    device_names: dict[str, str] = {}
    given_tenants = {names[t["id"]]: _tenant(t, device_names) for t in tenants}
    steps: list[dict[str, Any]] = []
    at = start.replace(microsecond=0)
    for recorded in requests:
        if recorded.tenant not in names:
            continue  # a tenant made during the session through the control API: not in `given`
        seconds = math.floor((recorded.at - at).total_seconds())
        if seconds >= 1:
            steps.append({"advance": f"PT{seconds}S"})
            at += timedelta(seconds=seconds)
        steps.append(_step(recorded, names, len(tenants) > 1))
    final = {device_names[aad]: state for aad, state in compliance.items() if aad in device_names}
    if final:
        steps.append({"name": "compliance at the end of the session", "check": True,
                      "expect": {"compliance": final}})  # fmt: skip
    given: dict[str, Any] = {"clock": format_datetime(start.replace(microsecond=0))}
    if len(given_tenants) == 1:
        (only,) = given_tenants.values()
        given.update({"tenant": tenants[0]["displayName"], **only})
        given.pop("displayName", None)
    else:
        given["tenants"] = given_tenants
    return {"name": name, "source": "recorded with mtdsim serve --record (the mock's own answers)",
            "tags": ["recorded"], "given": given, "steps": steps or [{"check": True}]}  # fmt: skip


def _tenant(spec: Mapping[str, Any], device_names: dict[str, str]) -> dict[str, Any]:
    partners = sorted({_partner_key(c) for c in spec["partners"]})
    devices = {}
    for wire in spec["devices"]:
        name = f"d{len(device_names) + 1}"
        device_names[wire["azureADDeviceId"]] = name
        devices[name] = _device(wire)
    tenant: dict[str, Any] = {"displayName": spec["displayName"]}
    if partners:
        tenant["partners"] = partners
    if devices:
        tenant["devices"] = devices
    return tenant


def _partner_key(connector_id: str) -> str:
    try:
        return find_partner(connector_id).key
    except NotFound:
        return connector_id


def _device(wire: Mapping[str, Any]) -> dict[str, Any]:
    device: dict[str, Any] = {"platform": wire["platform"], "osVersion": str(wire["osVersion"]),
                              "azureADDeviceId": wire["azureADDeviceId"]}  # fmt: skip
    if wire.get("ownerType", "company") != "company":
        device["ownership"] = wire["ownerType"]
    if wire.get("deviceRegistrationState", "registered") != "registered":
        device["registered"] = False
    if wire.get("userPrincipalName"):
        device["user"] = wire["userPrincipalName"]
    apps = [{"bundleId": a["bundleId"], **({"name": a["name"]} if a.get("name") else {}),
             **({"version": a["version"]} if a.get("version") else {}), "managed": bool(a.get("isManaged", True))}
            for a in wire.get("installedApps", ())]  # fmt: skip
    if apps:
        device["apps"] = apps
    return device


def _step(recorded: RecordedRequest, names: Mapping[str, str], several: bool) -> dict[str, Any]:
    partner = recorded.kind == "partner" and recorded.connector
    auth = f"partner:{_partner_key(recorded.connector or '')}" if partner else "admin"
    request: dict[str, Any] = {"method": recorded.method, "path": recorded.path_qs, "auth": auth}
    if recorded.body is not None:
        request["json"] = recorded.body
    expect: dict[str, Any] = {"status": recorded.status}
    if isinstance(recorded.answer, dict | list):
        expect["json"] = _stable(recorded.answer)
    step: dict[str, Any] = {"request": request, "expect": expect}
    if several and recorded.tenant is not None:
        step = {"tenant": names[recorded.tenant], **step}
    return step


def _stable(value: Any) -> Any:
    """The answer without what a replay cannot reproduce: ids the mock drew, times, links with its address."""
    if isinstance(value, dict):
        return {k: _stable(v) for k, v in value.items() if k not in _VOLATILE and not k.endswith("DateTime")}
    if isinstance(value, list):
        return [_stable(v) for v in value]
    return value
