"""Threat-report bodies for the load test: cheap (stdlib random, no Faker on the hot path) and contract-shaped."""

from __future__ import annotations

import random
from datetime import UTC, datetime
from typing import Any

__all__ = ["OS_VERSIONS", "format_ms", "report"]

OS_VERSIONS = {"android": "14.0", "ios": "17.4"}
# Mostly healthy fleets, as partners see them; every state still shows up in a short run.
_STATES = ("secured", "lowSeverity", "mediumSeverity", "highSeverity")
_STATE_WEIGHTS = (70, 15, 10, 5)
_CATEGORIES = ("malware", "phishing", "network", "os", "app", "device", "other")
_SEVERITY = {"lowSeverity": "low", "mediumSeverity": "medium", "highSeverity": "high"}


def format_ms(epoch_ms: int) -> str:
    """Graph datetime with milliseconds: successive reports of one device differ by at least 1 ms."""
    when = datetime.fromtimestamp(epoch_ms / 1000, tz=UTC)
    return when.strftime("%Y-%m-%dT%H:%M:%S.") + f"{epoch_ms % 1000:03d}Z"


def report(device: str, platform: str, epoch_ms: int, rng: random.Random) -> dict[str, Any]:
    state = rng.choices(_STATES, _STATE_WEIGHTS)[0]
    when = format_ms(epoch_ms)
    body: dict[str, Any] = {
        "azureADDeviceId": device,
        "platform": platform,
        "osVersion": OS_VERSIONS[platform],
        "threatState": state,
        "reportedDateTime": when,
    }
    if state in _SEVERITY:
        body["threats"] = [{
            "threatId": f"t-{epoch_ms}",
            "category": rng.choice(_CATEGORIES),
            "severity": _SEVERITY[state],
            "name": "Load.Test.Threat",
            "detectedDateTime": when,
        }]
    return body
