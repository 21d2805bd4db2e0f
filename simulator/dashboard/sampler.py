"""Compliance samples over virtual time, taken in the background when a tenant is due.

Compliance is evaluated when read (decisions.md), so nothing records it as it changes. A tenant is due for a sample
when its first report batch of a new virtual hour arrives (``Timeline.record_reports``), so a simulated run that
advances the clock by the hour gets a point per hour. Sampling is driven by those events, never by a timer: an idle
mock does no work for the dashboard. A sample counts the tenant's devices (at most ``SCAN_LIMIT``) in slices that
yield to the event loop, and the sampler then rests 19 times as long as the sample took, so it spends at most
``BUDGET`` of the mock's time: a large fleet is sampled less often rather than slowing the mock down.
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

__all__ = ["BUDGET", "run_sampler", "sample_tenant"]

BUDGET = 0.05
SLICE = 500
SCAN_LIMIT = 20_000


async def sample_tenant(tenant: Tenant, now: datetime) -> ComplianceSample:
    counts: Counter[str] = Counter()
    devices = list(islice(tenant.devices.values(), SCAN_LIMIT))
    for start in range(0, len(devices), SLICE):
        for device in devices[start : start + SLICE]:
            state = tenant.compliance(device.azure_ad_device_id, now).state.value
            counts[f"{device.platform.value}/{state}"] += 1
        await asyncio.sleep(0)
    return ComplianceSample(now, dict(counts), len(devices), len(tenant.devices))


async def run_sampler(tenants: Callable[[], dict[str, Tenant]], timeline: Timeline,
                      now: Callable[[], datetime]) -> None:  # fmt: skip
    """Forever (cancelled at shutdown): wait until a tenant is due, sample every due tenant, rest."""
    wanted = asyncio.Event()
    timeline.wake = wanted.set
    try:
        while True:
            await wanted.wait()
            wanted.clear()
            started = time.perf_counter()
            while timeline.due:
                tenant = tenants().get(timeline.due.pop())
                if tenant is not None:
                    timeline.add_sample(tenant.id, await sample_tenant(tenant, now()))
            spent = time.perf_counter() - started
            await asyncio.sleep(spent / BUDGET - spent)
    finally:
        timeline.wake = lambda: None
