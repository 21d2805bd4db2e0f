"""Simulated Android and iOS fleets: devices (``Fleet``, ``device_at``), behaviour over virtual time and traffic."""

from __future__ import annotations

from simulator.fleet.behaviour import Behaviour, Gaps, ThreatRates
from simulator.fleet.devices import Fleet, SimDevice, device_at
from simulator.fleet.traffic import RosterDevice, Traffic, device_key, format_time, reports_bytes

__all__ = [
    "Behaviour",
    "Fleet",
    "Gaps",
    "RosterDevice",
    "SimDevice",
    "ThreatRates",
    "Traffic",
    "device_at",
    "device_key",
    "format_time",
    "reports_bytes",
]
