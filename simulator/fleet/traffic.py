"""Threat reports a partner console sends, tick by tick: pure and byte-for-byte reproducible per seed.

A device reports at the first tick, whenever its threat state changes, and once a day at its check-in tick,
except while it is in a missing-data gap. The reports follow the wire shape of docs/architecture.md.
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass
from datetime import datetime
from typing import Any

import orjson

from simulator.domain.clock import format_datetime
from simulator.domain.enums import ManagedDevicePartnerReportedHealthState as Health
from simulator.fleet.behaviour import Behaviour
from simulator.fleet.hashing import mix64, splitmix64

__all__ = ["RosterDevice", "Traffic", "device_key", "format_time", "reports_bytes"]

_SEVERITY = {
    Health.lowSeverity.value: "low", Health.mediumSeverity.value: "medium", Health.highSeverity.value: "high",
    Health.compromised.value: "critical", Health.misconfigured.value: "medium",
}  # fmt: skip
_THREATS = {
    Health.lowSeverity.value: (("app", "Riskware.SideloadedApp"), ("network", "Network.UnsecuredWiFi")),
    Health.mediumSeverity.value: (("phishing", "Phishing.SmsLink"), ("app", "Adware.Hiddad")),
    Health.highSeverity.value: (("malware", "Trojan.AndroidOS.Joker"), ("network", "Network.MitmAttack")),
    Health.compromised.value: (("os", "Device.Jailbroken"), ("device", "Device.RootedKernel")),
    Health.misconfigured.value: (("device", "Config.ProfileMissing"), ("other", "Config.VpnDisabled")),
}
_THREAT_STREAM = 0x7A7A


def format_time(when: datetime) -> str:
    """Graph datetime text (``2026-11-25T10:00:00Z``); ticks are whole seconds, so no fraction is needed."""
    return format_datetime(when.replace(microsecond=0))


def device_key(azure_ad_device_id: str) -> int:
    """A stable behaviour key from an Azure AD device id, so a listed device behaves the same on any target."""
    return int(azure_ad_device_id.replace("-", "")[:16], 16)


@dataclass(frozen=True, slots=True)
class RosterDevice:
    """A device as the console knows it from ``GET /partner/v1/devices``."""

    azure_ad_device_id: str
    platform: str
    os_version: str
    owner_type: str
    registration_state: str

    @classmethod
    def from_wire(cls, item: dict[str, Any]) -> RosterDevice:
        return cls(item["azureADDeviceId"], item["platform"], item["osVersion"], item.get("ownerType", "unknown"),
                   item.get("deviceRegistrationState", "unknown"))  # fmt: skip


class Traffic:
    """Per-device threat state of a roster evolving tick by tick, and the reports each tick produces."""

    def __init__(self, behaviour: Behaviour, roster: Iterable[RosterDevice], start: datetime) -> None:
        self.behaviour = behaviour
        self.start = start
        self.roster = sorted(roster, key=lambda d: d.azure_ad_device_id)  # listing order must not matter
        self._keys = [device_key(d.azure_ad_device_id) for d in self.roster]
        self.state = [Health.secured.value] * len(self.roster)
        self._since = [0] * len(self.roster)
        self._reported: list[str | None] = [None] * len(self.roster)
        # What depends on the device alone, worked out once rather than hashed again at every tick.
        self.checkin = [behaviour.checkin_tick(key) for key in self._keys]
        self._quiet = [behaviour.quiet_ticks(key) for key in self._keys]

    def time_of(self, tick: int) -> datetime:
        return self.start + tick * self.behaviour.tick

    def step(self, tick: int) -> list[dict[str, Any]]:
        """Advance every device to ``tick`` and return the reports due then, in roster order.

        One hash per device and tick (its threat event draw); the rest was worked out per device in ``__init__``.
        """
        b, now, reports = self.behaviour, format_time(self.time_of(tick)), []
        day_tick = tick % b.ticks_per_day
        base = b.event_base(tick) if tick > 0 else None
        decide, states, since, reported = b.next_state_from, self.state, self._since, self._reported
        for n, (key, quiet, checkin) in enumerate(zip(self._keys, self._quiet, self.checkin, strict=True)):
            state = states[n]
            if base is not None:
                new = decide(splitmix64(base ^ key), state)
                if new != state:
                    states[n], since[n], state = new, tick, new
            if quiet is not None and quiet[0] <= tick < quiet[1]:
                continue
            if reported[n] != state or day_tick == checkin:
                reports.append(self._report(self.roster[n], key, state, since[n], now))
                reported[n] = state
        return reports

    def _report(self, device: RosterDevice, key: int, state: str, since: int, now: str) -> dict[str, Any]:
        report: dict[str, Any] = {
            "azureADDeviceId": device.azure_ad_device_id,
            "platform": device.platform,
            "osVersion": device.os_version,
            "threatState": state,
            "reportedDateTime": now,
        }
        if state in _THREATS:
            bits = mix64(self.behaviour.seed, _THREAT_STREAM ^ since, key)
            category, name = _THREATS[state][bits % len(_THREATS[state])]
            report["threats"] = [{
                "threatId": f"t-{bits >> 16:012x}", "category": category, "severity": _SEVERITY[state],
                "name": name, "detectedDateTime": format_time(self.time_of(since)),
            }]  # fmt: skip
        return report


def reports_bytes(reports: list[dict[str, Any]]) -> bytes:
    """The wire body of one batch (orjson keeps key order, so equal reports give equal bytes)."""
    return orjson.dumps({"reports": reports})
