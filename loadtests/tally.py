"""Counters the Locust users keep beyond request stats: reports accepted/rejected, contract violations, and
(optionally) which device ids each user sent reports about.

Workers ship deltas to the master with each stats report (``report_to_master``/``worker_report``), exactly like
Locust ships its request stats, so the master's totals and Locust's own numbers arrive in the same messages.
"""

from __future__ import annotations

from collections import Counter
from dataclasses import dataclass, field
from typing import Any

__all__ = ["Tally", "shared_devices"]


@dataclass(slots=True)
class Tally:
    reports_sent: int = 0
    reports_accepted: int = 0
    rejected: Counter[str] = field(default_factory=Counter)
    contract_violations: int = 0
    track_devices: bool = False
    devices_by_user: dict[str, set[str]] = field(default_factory=dict)

    def record_results(self, user_key: str, sent: list[str], results: list[dict[str, Any]]) -> None:
        """Count one batch's per-report results; ``sent`` are the device ids in request order."""
        self.reports_sent += len(sent)
        for result in results:
            if result.get("status") == "accepted":
                self.reports_accepted += 1
            else:
                self.rejected[str(result.get("code"))] += 1
        if self.track_devices:
            self.devices_by_user.setdefault(user_key, set()).update(sent)

    def drain(self) -> dict[str, Any]:
        """This process's counts since the last drain, as a JSON-able delta; the counters restart at zero."""
        delta = self.snapshot()
        self.reports_sent = self.reports_accepted = self.contract_violations = 0
        self.rejected = Counter()
        self.devices_by_user = {}
        return delta

    def merge(self, delta: dict[str, Any]) -> None:
        self.reports_sent += int(delta.get("reportsSent", 0))
        self.reports_accepted += int(delta.get("reportsAccepted", 0))
        self.rejected.update(delta.get("rejected", {}))
        self.contract_violations += int(delta.get("contractViolations", 0))
        for user, devices in delta.get("devicesByUser", {}).items():
            self.devices_by_user.setdefault(user, set()).update(devices)

    def snapshot(self) -> dict[str, Any]:
        return {
            "reportsSent": self.reports_sent,
            "reportsAccepted": self.reports_accepted,
            "rejected": dict(self.rejected),
            "contractViolations": self.contract_violations,
            "devicesByUser": {user: sorted(ids) for user, ids in self.devices_by_user.items()},
        }


def shared_devices(devices_by_user: dict[str, set[str]] | dict[str, list[str]]) -> dict[str, list[str]]:
    """Device ids that more than one user sent reports about, with those users (empty when ids are unique)."""
    owners: dict[str, list[str]] = {}
    for user, devices in devices_by_user.items():
        for device in devices:
            owners.setdefault(device, []).append(user)
    return {device: sorted(users) for device, users in owners.items() if len(users) > 1}
