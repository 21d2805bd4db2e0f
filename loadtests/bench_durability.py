"""Benchmark: kill -9 during a 50-client report load on ``mtdsim serve --state DIR``; after a restart from DIR,
every report acknowledged before the last checkpoint must be there. Target (DESIGN 7): 0 missing.

50 clients (asyncio tasks in this process, pinned to CPU 1) each send one report per request about their own
devices, every report newer than the last about its device, and note when each 200 came back. After ``duration``
seconds the mock (pinned to CPU 0) gets SIGKILL while the load is running. A new ``mtdsim serve --state DIR``
restores the directory; ``GET /_sim/store`` names the checkpoint it started from (its wall-clock capture time) and
``GET /_sim/snapshot`` holds every device's newest stored report. A report acknowledged before that capture time
whose device holds an older one is missing. Reports acknowledged after it may be lost (at most one checkpoint
interval, DESIGN 7); their count is printed too.
``python -m loadtests.bench_durability [--duration 5] [--quick]``
"""

from __future__ import annotations

import asyncio
import contextlib
import os
import sys
import tempfile
import time
from collections.abc import Sequence
from datetime import UTC, datetime
from typing import Any

import aiohttp

from loadtests.benchlib import CLIENT_CPU, SERVER_CPU, Measure, bench_parser, emit, start_prepared_mock
from loadtests.mockproc import start_mock
from loadtests.target import call

__all__ = ["main", "measure"]

CLIENTS, MINUTE_MS = 50, 60_000
Ack = tuple[str, int, float]  # (device, reportedDateTime in ms, wall time the 200 came back)


def _when(ms: int) -> str:
    return datetime.fromtimestamp(ms / 1000, UTC).isoformat(timespec="milliseconds").replace("+00:00", "Z")


async def _client(session: aiohttp.ClientSession, url: str, token: str, devices: list[tuple[str, str]],
                  base_ms: int, acks: list[Ack], stop: asyncio.Event) -> None:  # fmt: skip
    headers = {"Authorization": f"Bearer {token}"}
    step = 0
    while not stop.is_set():
        step += 1
        for device, platform in devices:
            ms = base_ms + step
            body = {"reports": [{"azureADDeviceId": device, "platform": platform, "osVersion": "14.0",
                                 "threatState": "secured" if step % 2 else "lowSeverity",
                                 "reportedDateTime": _when(ms)}]}  # fmt: skip
            try:
                async with session.post(f"{url}/partner/v1/deviceThreatReports", json=body, headers=headers) as r:
                    answer = await r.json()
            except (aiohttp.ClientError, OSError, TimeoutError):
                return  # the server was killed
            if r.status == 200 and answer["results"][0]["status"] == "accepted":
                acks.append((device, ms, time.time()))
            if stop.is_set():
                return


async def _load(url: str, token: str, devices: list[tuple[str, str]], base_ms: int, seconds: float,
                kill: Any) -> list[Ack]:  # fmt: skip
    acks: list[Ack] = []
    stop = asyncio.Event()
    connector = aiohttp.TCPConnector(limit=CLIENTS)
    async with aiohttp.ClientSession(connector=connector, timeout=aiohttp.ClientTimeout(total=10)) as session:
        tasks = [asyncio.create_task(_client(session, url, token, devices[n::CLIENTS], base_ms, acks, stop))
                 for n in range(CLIENTS)]  # fmt: skip
        await asyncio.sleep(seconds)
        kill()  # mid-load: requests are in flight
        stop.set()
        await asyncio.gather(*tasks)
    return acks


def measure(duration: float, interval: float) -> list[Measure]:
    with contextlib.suppress(AttributeError, OSError):
        os.sched_setaffinity(0, {int(CLIENT_CPU)})
    with tempfile.TemporaryDirectory(prefix="mtdsim-bench-durability-") as state_dir:
        prepared = start_prepared_mock(extra=("--state", state_dir, "--checkpoint-interval", str(interval)))
        try:
            devices = list(zip(prepared.devices, prepared.platforms, strict=True))
            acks = asyncio.run(_load(prepared.mock.url, prepared.token, devices, prepared.now_ms - 30 * MINUTE_MS,
                                     duration, prepared.mock.process.kill))  # fmt: skip
        finally:
            prepared.mock.stop()
        restarted = start_mock(("--state", state_dir), cpus=SERVER_CPU)
        with restarted:
            headers = {"X-Mtdsim-Control-Key": restarted.control_key}
            store = call("GET", f"{restarted.url}/_sim/store", headers=headers).body
            snapshot = call("GET", f"{restarted.url}/_sim/snapshot", headers=headers, timeout=120).body
    checkpoint = float(store["restoredFrom"])
    stored = {r["azure_ad_device_id"]: int(datetime.fromisoformat(r["reported_at"]).timestamp() * 1000)
              for t in snapshot["tenants"] for r in t["reports"]}  # fmt: skip
    before = [(d, ms) for d, ms, at in acks if at < checkpoint]
    missing = sum(1 for d, ms in before if stored.get(d, -1) < ms)
    after = [(d, ms) for d, ms, at in acks if at >= checkpoint]
    lost_after = sum(1 for d, ms in after if stored.get(d, -1) < ms)
    detail = {"acknowledged": len(acks), "acknowledged_before_checkpoint": len(before), "missing": missing,
              "acknowledged_after_checkpoint": len(after), "lost_after_checkpoint": lost_after,
              "checkpoint_interval_s": interval, "last_ack_to_checkpoint_s":
              round(max((at for _, _, at in acks), default=checkpoint) - checkpoint, 3)}  # fmt: skip
    print(f"kill -9 under load: {len(acks)} reports acknowledged, {len(before)} before the last checkpoint, "
          f"{missing} of those missing after restart (target 0); {lost_after} of {len(after)} acknowledged after "
          f"it lost (allowed: at most {interval:g} s of them)")
    # Present of those acknowledged before the checkpoint, against all of them: 0 missing is a ratio of 1.
    return [
        Measure(f"acked before last checkpoint, present after kill -9 ({missing} missing)", len(before) - missing,
                "reports", float(len(before)), detail=detail),
        Measure("  reports acknowledged in all (context)", float(len(acks)), "reports", 0.0, context=True),
    ]


def main(argv: Sequence[str] | None = None) -> int:
    parser = bench_parser(__doc__)
    parser.add_argument("--interval", type=float, default=1.0, help="checkpoint interval (default %(default)s s)")
    args = parser.parse_args(argv)
    duration = 1.5 if args.quick else args.duration
    emit("durability: kill -9 under load", measure(duration, args.interval), args.json_path, quick=args.quick)
    return 0


if __name__ == "__main__":
    sys.exit(main())
