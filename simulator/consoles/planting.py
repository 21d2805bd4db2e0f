"""Turn a tick's reports into the batches a profile sends, and count the outcome each planted fault must get."""

from __future__ import annotations

from collections import Counter
from dataclasses import dataclass, field
from datetime import timedelta
from typing import Any

from simulator.consoles.profiles import PLANT_EVERY, Profile
from simulator.domain.clock import format_datetime, parse_datetime
from simulator.fleet.traffic import RosterDevice

__all__ = ["MAX_BATCH", "Plan", "eligible", "plant"]

MAX_BATCH = 1000
Report = dict[str, Any]


@dataclass(slots=True)
class Plan:
    batches: list[list[Report]] = field(default_factory=list)
    expected: Counter[str] = field(default_factory=Counter)  # rejections and failed requests, by code
    violations: Counter[str] = field(default_factory=Counter)  # what the mock must record in /_sim/violations


def eligible(profile: Profile, device: RosterDevice, connector: dict[str, Any]) -> bool:
    """Whether a console reports on a listed device: registered, and its platform enabled on the connector."""
    if device.registration_state != "registered" and profile is not Profile.unregistered_devices:
        return False
    if profile is Profile.silent:  # never heartbeats, so never learns the toggles: reports on everything
        return device.registration_state == "registered"
    return bool(connector.get(f"{device.platform}Enabled", False))


def _chunks(reports: list[Report], size: int) -> list[list[Report]]:
    return [reports[k : k + size] for k in range(0, len(reports), size)]


def plant(profile: Profile, reports: list[Report], roster: dict[str, RosterDevice]) -> Plan:
    if not reports:
        return Plan()
    plan = Plan(_chunks(reports, MAX_BATCH))
    if profile is Profile.silent:
        plan.expected["connectorNotActive"] += len(reports)
    elif profile is Profile.unregistered_devices:
        plan.expected["deviceNotRegistered"] += sum(
            roster[r["azureADDeviceId"]].registration_state != "registered" for r in reports
        )
    elif profile is Profile.wrong_platform:
        _swap_platforms(plan, reports)
    elif profile is Profile.stale_reports:
        older = [{**r, "reportedDateTime": _earlier(r["reportedDateTime"])} for r in reports]
        plan.batches += _chunks(older, MAX_BATCH)
        plan.expected["staleReport"] += len(older)
    elif profile is Profile.oversized_batches:
        plan.batches = [_pad(batch, MAX_BATCH + 1) for batch in plan.batches]
        plan.expected["400 invalidRequest"] += len(plan.batches)
        plan.violations["contractViolation"] += len(plan.batches)  # one maxItems problem per batch
    elif profile is Profile.malformed_payloads:
        plan.batches.append([{**reports[0], "threatState": "notAThreatState"}])
        plan.expected["400 invalidRequest"] += 1
        plan.violations["contractViolation"] += 1  # one enum problem
    return plan


def _swap_platforms(plan: Plan, reports: list[Report]) -> None:
    other = {"android": "ios", "ios": "android"}
    swapped = [({**r, "platform": other[r["platform"]]} if k % PLANT_EVERY == 0 else r) for k, r in enumerate(reports)]
    plan.batches = _chunks(swapped, MAX_BATCH)
    plan.expected["platformMismatch"] += len(range(0, len(reports), PLANT_EVERY))


def _pad(batch: list[Report], size: int) -> list[Report]:
    return [batch[k % len(batch)] for k in range(size)]


def _earlier(text: str) -> str:
    return format_datetime(parse_datetime(text) - timedelta(hours=1))
