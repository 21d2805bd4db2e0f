"""Compliance samples over virtual time, taken in the background while the mock runs.

Compliance is evaluated when read (decisions.md), so nothing records it as it changes; instead a task looks every
``INTERVAL`` seconds whether a tenant's virtual time or report count moved and, if so, counts its devices (bounded
by ``access.SCAN_LIMIT``, in slices that yield to the event loop). It spends at most ``BUDGET`` of wall time on
this: after a sample that took t seconds it waits t / BUDGET before the next, so a large fleet is sampled less
often rather than slowing the mock down.
"""

from __future__ import annotations

import asyncio
import time
from collections import Counter
from collections.abc import Callable
from datetime import datetime
from itertools import islice

from simulator.dashboard.timeline import ComplianceSample, Timeline
from simulator.domain.tenant import Tenant

__all__ = ["BUDGET", "INTERVAL", "run_sampler", "sample_tenant"]

INTERVAL = 0.25
BUDGET = 0.05
SLICE = 500
SCAN_LIMIT = 20_000


async def sample_tenant(tenant: Tenant, now: datetime) -> ComplianceSample:
    counts: Counter[str] = Counter()
    scanned = 0
    devices = list(islice(tenant.devices.values(), SCAN_LIMIT))
    for start in range(0, len(devices), SLICE):
        for device in devices[start : start + SLICE]:
            state = tenant.compliance(device.azure_ad_device_id, now).state.value
            counts[f"{device.platform.value}/{state}"] += 1
        scanned += len(devices[start : start + SLICE])
        await asyncio.sleep(0)
    return ComplianceSample(now, dict(counts), scanned, len(tenant.devices))


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
