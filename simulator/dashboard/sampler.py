"""Compliance samples over virtual time, taken in the background while the mock runs.

Compliance is evaluated when read (decisions.md), so nothing records it as it changes; instead a task looks every
``INTERVAL`` seconds whether a tenant's virtual time or report count moved and, if so, counts its devices
(from the tenant's compliance classes, O(classes), see ``sample_tenant``). It spends at most ``BUDGET`` of wall time on
this: after a sample that took t seconds it waits t / BUDGET before the next, so a large fleet is sampled less
often rather than slowing the mock down.
"""

from __future__ import annotations

import asyncio
import time
from collections.abc import Callable
from datetime import datetime

from simulator.dashboard.timeline import ComplianceSample, Timeline
from simulator.domain.tenant import Tenant

__all__ = ["BUDGET", "INTERVAL", "run_sampler", "sample_tenant"]

INTERVAL = 0.25
BUDGET = 0.05


async def sample_tenant(tenant: Tenant, now: datetime) -> ComplianceSample:
    """Every device counted, from the tenant's compliance classes: O(classes x connectors), not O(devices). (The
    per-device scan this replaced evaluated compliance for up to 20,000 devices four times a second while reports
    arrived, which took its budget's share of CPU from the report path.)"""
    found = tenant.compliance_counts(now)
    counts = {f"{platform}/{state}": n for platform, states in found.by_platform.items()
              for state, n in states.items() if n}  # fmt: skip
    return ComplianceSample(now, counts, found.total, len(tenant.devices))


async def run_sampler(tenants: Callable[[], dict[str, Tenant]], timeline: Callable[[], Timeline],
                      now: Callable[[], datetime]) -> None:  # fmt: skip
    """Forever (cancelled at shutdown); callables, because reset replaces what they return."""
    seen: dict[str, tuple[object, ...]] = {}
    while True:
        await asyncio.sleep(INTERVAL)
        started = time.perf_counter()
        line_of = timeline()
        for tenant in list(tenants().values()):
            at = now()
            line = line_of.of(tenant.id)
            key = (at, line.received, len(tenant.devices), tuple(tenant.connectors.values()), len(tenant.policies))
            if seen.get(tenant.id) == key:
                continue
            seen[tenant.id] = key
            line_of.add_sample(tenant.id, await sample_tenant(tenant, at))
        spent = time.perf_counter() - started
        await asyncio.sleep(spent / BUDGET - spent)
