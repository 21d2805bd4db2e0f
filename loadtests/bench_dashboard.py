"""Benchmark: the dashboard's device list at scale, in-process (issue 18 item 2).

Builds one tenant of N devices (unique names in random order, a user per 3 devices, a third iOS, a fifth personal,
one connector, a high-severity report for every 5,000th device and a secured one for every 7th) and times
``access.find`` for the reads a person makes: the first page sorted by name and by user (which build the sorted
orders), the next page, class-filtered lists (sparse and dense, first and deep pages), a bounded search, and the first
name-sorted page after more devices enrolled and some were removed (1%, then 2% more). A ticker task beside each
read records the longest stretch the event loop went without it (the longest slice any one step of the read held the
loop), and a collector callback the longest garbage collection within the read (the collector runs with ``mtdsim
serve``'s thresholds).

``python -m loadtests.bench_dashboard [--devices 1000000] [--quick]``; quick mode uses 20,000 devices. Timing-
sensitive: run it under ``flock /work/bench.lock``.
"""

from __future__ import annotations

import argparse
import asyncio
import gc
import random
import time
from collections.abc import Awaitable, Callable
from datetime import UTC, datetime, timedelta
from typing import Any

from simulator.dashboard import access
from simulator.domain import CATALOG, CompliancePolicy, DeviceThreatProtectionLevel, EnrolledDevice, Platform, Tenant
from simulator.domain.clock import format_datetime
from simulator.domain.enums import ManagedDeviceOwnerType

__all__ = ["main"]

T0 = datetime(2026, 12, 3, 12, 0, tzinfo=UTC)
CONNECTOR = CATALOG["lookout"].connector_id


def build(total: int, seed: int = 7) -> Tenant:
    rng = random.Random(seed)
    names = [f"dev-{n:07d}" for n in range(total)]
    rng.shuffle(names)
    tenant = Tenant("t", "bench")
    for index in range(total):
        ios = index % 3 == 0
        tenant.enroll(_device(index, names[index], ios))
    tenant.create_connector(CONNECTOR, {"androidEnabled": True, "iosEnabled": True}, T0)
    tenant.heartbeat(CONNECTOR, T0)
    wires, times = [], []
    for index in range(0, total, 7):
        device = tenant.devices[_aad(index)]
        state = "highSeverity" if index % 5_000 == 0 else "secured"
        wires.append({"azureADDeviceId": device.azure_ad_device_id, "platform": device.platform.value,
                      "osVersion": device.os_version, "threatState": state,
                      "reportedDateTime": format_datetime(T0)})  # fmt: skip
        times.append(T0)
    for start in range(0, len(wires), 1000):
        tenant.apply_reports(CONNECTOR, wires[start : start + 1000], times[start : start + 1000], T0)
    for platform in Platform:
        tenant.add_policy(CompliancePolicy(f"p-{platform.value}", platform, "MTD", T0, T0, True,
                                           DeviceThreatProtectionLevel.low))  # fmt: skip
    return tenant


def _device(index: int, name: str, ios: bool) -> EnrolledDevice:
    return EnrolledDevice(id=f"d-{index}", azure_ad_device_id=_aad(index), platform=Platform.ios if ios else
                          Platform.android, os_version="17.4" if ios else "14.0", enrolled_at=T0,
                          owner_type=ManagedDeviceOwnerType.personal if index % 5 == 0 else
                          ManagedDeviceOwnerType.company, device_name=name,
                          user_principal_name=f"u{(index // 3 * 7919) % 1_000_003:07d}@contoso.com")  # fmt: skip


def _aad(index: int) -> str:
    return f"5ca1e000-0000-4000-8000-{index:012d}"


PAUSES: list[float] = []  # the garbage collector's collections, seconds each (when main registered the callback)


def _collections(phase: str, info: dict[str, Any]) -> None:
    PAUSES.append(-time.perf_counter() if phase == "start" else PAUSES.pop() + time.perf_counter())


async def timed(read: Callable[[], Awaitable[access.DevicePage]]) -> tuple[float, float, float, access.DevicePage]:
    """Wall ms of one read, the longest loop slice (ms) a ticker saw while it ran, and the longest collection by
    the garbage collector (ms) within it (it stops everything, whatever code allocated last)."""
    longest, running = 0.0, True
    PAUSES.clear()

    async def ticker() -> None:
        nonlocal longest
        while running:
            start = time.perf_counter()
            await asyncio.sleep(0)
            longest = max(longest, time.perf_counter() - start)

    task = asyncio.create_task(ticker())
    await asyncio.sleep(0)
    start = time.perf_counter()
    page = await read()
    wall = time.perf_counter() - start
    running = False
    await task
    return wall * 1000, longest * 1000, max(PAUSES, default=0.0) * 1000, page


async def run(total: int) -> list[dict[str, Any]]:
    started = time.perf_counter()
    tenant = build(total)
    print(f"built {total} devices in {time.perf_counter() - started:.1f} s")
    gc.collect()  # the build's garbage is not the reads' cost
    now = T0 + timedelta(hours=1)
    Q = access.DeviceQuery
    reads: list[tuple[str, access.DeviceQuery]] = [
        ("name, first page (builds the order)", Q(sort="name")),
        ("name, next page", Q(sort="name", skip=50)),
        ("user desc, first page (builds the order)", Q(sort="user", descending=True)),
        ("compliance=noncompliant (sparse), by name", Q(compliance="noncompliant", sort="name")),
        ("compliance=compliant (dense), by name", Q(compliance="compliant", sort="name")),
        ("compliance=compliant, by name, skip 100,000", Q(compliance="compliant", sort="name", skip=100_000)),
        ("rule=threatLevel, by enrolment desc", Q(rule="threatLevel", sort="enrolled", descending=True)),
        (
            "owner=personal & compliant, name desc, skip 100",
            Q(owner="personal", compliance="compliant", sort="name", descending=True, skip=100),
        ),
        ("platform=ios, by lastReport (bounded)", Q(platform="ios", sort="lastReport")),
        ("search 'dev-00123' (bounded)", Q(search="dev-00123")),
    ]
    out = []
    for label, query in reads:
        wall, longest, pause, page = await timed(lambda q=query: access.find(tenant, now, q))  # type: ignore[misc]
        out.append({"read": label, "wallMs": round(wall, 1), "longestSliceMs": round(longest, 1),
                    "gcMs": round(pause, 1), "matched": page.matched, "complete": page.complete})  # fmt: skip
    for index in range(total, total + total // 100):  # 1% more enrolled, 1% removed, then the name page again
        tenant.enroll(_device(index, f"new-{index:07d}", index % 3 == 0))
    for index in range(0, total, 100):
        tenant.remove(_aad(index))
    wall, longest, pause, page = await timed(lambda: access.find(tenant, now, Q(sort="name")))
    out.append({"read": "name, first page after +1% enrolled, -1% removed", "wallMs": round(wall, 1),
                "longestSliceMs": round(longest, 1), "gcMs": round(pause, 1), "matched": page.matched,
                "complete": page.complete})  # fmt: skip
    for index in range(total + total // 100, total + total // 100 * 3):  # 2% more: the order's tail is folded in
        tenant.enroll(_device(index, f"new-{index:07d}", index % 3 == 0))
    wall, longest, pause, page = await timed(lambda: access.find(tenant, now, Q(sort="name")))
    out.append({"read": "name, first page after +2% more enrolled", "wallMs": round(wall, 1),
                "longestSliceMs": round(longest, 1), "gcMs": round(pause, 1), "matched": page.matched,
                "complete": page.complete})  # fmt: skip
    return out


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--devices", type=int, default=1_000_000)
    parser.add_argument("--quick", action="store_true", help="20,000 devices")
    args = parser.parse_args()
    gc.set_threshold(50_000, 20, 100)  # as `mtdsim serve` runs (cli/serve.py, _tune_collector)
    gc.callbacks.append(_collections)
    rows = asyncio.run(run(20_000 if args.quick else args.devices))
    width = max(len(r["read"]) for r in rows)
    print(f"{'read':{width}}  {'wall ms':>9}  {'longest slice ms':>16}  {'of it gc ms':>11}  {'matched':>8}  complete")
    for r in rows:
        print(
            f"{r['read']:{width}}  {r['wallMs']:>9}  {r['longestSliceMs']:>16}  {r['gcMs']:>11}  {r['matched']:>8}"
            f"  {r['complete']}"
        )


if __name__ == "__main__":
    main()
