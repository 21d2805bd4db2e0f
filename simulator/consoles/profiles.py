"""Behaviour profiles of a simulated partner console: one well-behaved, the rest break one rule on purpose.

Each misbehaving profile *plants* its faults and counts what it planted (``ConsoleStats.expected``), so a test
can assert that the mock answered exactly that: ``stats.outcomes() == stats.expected``.
"""

from __future__ import annotations

from enum import StrEnum

__all__ = ["PLANT_EVERY", "Profile"]

# Misbehaving profiles that corrupt single reports corrupt one report in this many (the rest stay valid, so
# accepted traffic keeps flowing and each rejection is attributable).
PLANT_EVERY = 10


class Profile(StrEnum):
    """How a console behaves; the value is the CLI spelling (``mtdsim simulate --profile``)."""

    well_behaved = "well-behaved"  # follows every rule: no rejection, no violation
    ignores_retry_after = "ignores-retry-after"  # retries a 429/503 at once: violation retryAfterNotHonoured
    stale_reports = "stale-reports"  # resends each batch an hour older: staleReport for each resent report
    unregistered_devices = "unregistered-devices"  # reports for devices not in Azure AD: deviceNotRegistered
    wrong_platform = "wrong-platform"  # every 10th report names the other platform: platformMismatch
    oversized_batches = "oversized-batches"  # 1001 reports per batch: 400 invalidRequest per batch
    malformed_payloads = "malformed-payloads"  # an extra batch with a contract-breaking report: 400 per batch
    expired_token = "expired-token"  # never refreshes its token: 401 InvalidAuthenticationToken once expired
    silent = "silent"  # never heartbeats: the connector stays notSetUp, so connectorNotActive for each report

    @property
    def refreshes_token(self) -> bool:
        return self is not Profile.expired_token

    @property
    def honours_retry_after(self) -> bool:
        return self is not Profile.ignores_retry_after

    @property
    def heartbeats(self) -> bool:
        return self is not Profile.silent
