"""Compliance samples over virtual time, taken in the background when a tenant is due.

Compliance is evaluated when read (decisions.md), so nothing records it as it changes. A tenant is due for a sample
when its first report batch of a new virtual hour arrives (``Timeline.record_reports``), so a simulated run that
advances the clock by the hour gets a point per hour. Sampling is driven by those events, never by a timer: an idle
mock does no work for the dashboard. A sample counts every device from the tenant's compliance classes (O(classes), see
``sample_tenant``), and the sampler then rests 19 times as long as the sample took, so it spends at most
``BUDGET`` of the mock's time: a large fleet is sampled less often rather than slowing the mock down.
"""

from __future__ import annotations

import asyncio
import time
from collections.abc import Callable
from datetime import datetime

from simulator.dashboard.timeline import ComplianceSample, Timeline
from simulator.domain.tenant import Tenant

__all__ = ["BUDGET", "run_sampler", "sample_tenant"]

BUDGET = 0.05


async def sample_tenant(tenant: Tenant, now: datetime) -> ComplianceSample:
    """Every device counted, from the tenant's compliance classes: O(classes x connectors), not O(devices). (The
    per-device scan this replaced evaluated up to 20,000 devices per sample, CPU taken from the report path.)"""
    found = tenant.compliance_counts(now)
    counts = {f"{platform}/{state}": n for platform, states in found.by_platform.items()
              for state, n in states.items() if n}  # fmt: skip
    return ComplianceSample(now, counts, found.total, len(tenant.devices))


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
