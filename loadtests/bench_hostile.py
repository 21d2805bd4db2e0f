"""Well-behaved partners beside hostile clients (DESIGN 6): p99 latency against a run without them, and RSS after.

    python -m loadtests.bench_hostile            # 3 rounds of 8 s per phase
    python -m loadtests.bench_hostile --quick    # seconds; proves it works, numbers mean nothing

One pinned ``mtdsim serve`` with the load tenant prepared. Each round runs two phases of equal length: the
well-behaved partners alone (``WELL_BEHAVED`` workers, each posting one-report batches back to back), then the same
partners beside hostile clients that loop through the abuse issue 15 found:

- oversized batches: 1,000,001 zeros (2 MB) to ``deviceThreatReports``, a valid token;
- aborts: a 400 KB upload cut off halfway;
- slow bodies: half a body, then nothing (the body timeout, 10 s by default, ends them);
- garbage: a bad request line, a non-UTF-8 bearer and client-request-id, an oversized header.

Targets: the well-behaved p99 with hostile clients at most 2x the p99 without (median of rounds); the server's RSS
after the last round (hostile clients stopped, one second to settle) within 50 MiB of its RSS before the first
hostile phase. RSS is summed over the server's process tree: the body worker that parses oversized bodies
(simulator/bodies) counts, once it exists. A context line reads it again 12 s after the last round, when the worker
has exited for want of bodies.
"""

from __future__ import annotations

import asyncio
import statistics
import time
from collections.abc import Sequence
from pathlib import Path
from typing import Any

import orjson

from loadtests.benchlib import Measure, bench_parser, emit, start_prepared_mock

WELL_BEHAVED = 8
KINDS = ("oversized", "abort", "slow", "garbage")  # one hostile client of each kind
MIB = 1024 * 1024
WORKER_IDLE_EXIT = 11.0  # seconds after the first RSS reading: past the body worker's 10 s idle exit


def rss_mib(pid: int) -> float:
    for line in Path(f"/proc/{pid}/status").read_text().splitlines():
        if line.startswith("VmRSS:"):
            return int(line.split()[1]) / 1024
    return 0.0  # a kernel thread, or a process between exit and reaping: no memory of its own


def process_tree(pid: int) -> list[int]:
    """``pid`` and all its descendants (the server's body worker), from /proc's children lists."""
    try:
        tasks = list(Path(f"/proc/{pid}/task").iterdir())
        children = [int(c) for task in tasks for c in (task / "children").read_text().split()]
    except FileNotFoundError:  # it exited meanwhile
        return []
    return [pid, *(p for child in children for p in process_tree(child))]


def tree_rss_mib(pid: int) -> tuple[float, dict[int, float]]:
    """The RSS of the server and every process it started, summed (and each one's). Pages two of them share would
    count twice; the body worker is spawned, not forked, so it shares nothing but the interpreter's files."""
    each = {p: rss_mib(p) for p in process_tree(pid)}
    return sum(each.values()), each


async def well_behaved(port: int, token: str, devices: Sequence[str], platforms: Sequence[str], now_ms: int,
                       worker: int, until: float, latencies: list[float]) -> None:  # fmt: skip
    import aiohttp

    headers = {"Authorization": f"Bearer {token}", "Content-Type": "application/json"}
    when = time.strftime("%Y-%m-%dT%H:%M:%SZ", time.gmtime(now_ms / 1000))
    url = f"http://127.0.0.1:{port}/partner/v1/deviceThreatReports"
    async with aiohttp.ClientSession() as session:
        index = worker
        while time.monotonic() < until:
            slot = index % len(devices)
            body = orjson.dumps({"reports": [{"azureADDeviceId": devices[slot], "platform": platforms[slot],
                                              "osVersion": "14.0", "threatState": "secured",
                                              "reportedDateTime": when}]})  # fmt: skip
            started = time.perf_counter()
            async with session.post(url, data=body, headers=headers) as answer:
                await answer.read()
                if answer.status != 200:
                    raise RuntimeError(f"a well-behaved report answered {answer.status}")
            latencies.append((time.perf_counter() - started) * 1000)
            index += WELL_BEHAVED


def _head(token: str, length: int) -> bytes:
    return (f"POST /partner/v1/deviceThreatReports HTTP/1.1\r\nHost: x\r\nContent-Type: application/json\r\n"
            f"Authorization: Bearer {token}\r\nContent-Length: {length}\r\n\r\n").encode()


OVERSIZED = b'{"reports": [' + b",".join([b"0"] * 1_000_001) + b"]}"
GARBAGE = [
    b"GARBAGE\r\n\r\n",
    b"GET /partner/v1/connector HTTP/1.1\r\nHost: x\r\nAuthorization: Bearer \xff\xfe\r\n\r\n",
    b"GET /partner/v1/connector HTTP/1.1\r\nHost: x\r\nclient-request-id: \xff\xfe\r\n\r\n",
    b"GET /partner/v1/connector HTTP/1.1\r\nHost: x\r\nX-Big: " + b"a" * 20_000 + b"\r\n\r\n",
]


async def _exchange(port: int, data: bytes, *, hold: float = 0.0, read: bool = True) -> bytes:
    """Send ``data``; the answer's first bytes (up to 1 MiB), or b"" when none was read."""
    try:
        reader, writer = await asyncio.open_connection("127.0.0.1", port)
    except OSError:
        return b""
    try:
        writer.write(data)
        await writer.drain()
        if hold:
            await asyncio.sleep(hold)
        if read:
            return await asyncio.wait_for(reader.read(1 << 20), 15)
    except (OSError, TimeoutError, asyncio.IncompleteReadError):
        pass
    finally:
        writer.close()
    return b""


async def hostile(kind: str, port: int, token: str, until: float, counts: dict[str, int]) -> None:
    while time.monotonic() < until:
        if kind == "oversized":  # counted by status: 400 (the worker explained it) or 503 (its queue was full)
            answer = await _exchange(port, _head(token, len(OVERSIZED)) + OVERSIZED)
            status = f"oversized_{answer[9:12].decode(errors='replace') or 'none'}"
            counts[status] = counts.get(status, 0) + 1
        elif kind == "abort":
            await _exchange(port, _head(token, 400_000) + b'{"reports": [' + b"0," * 100_000, hold=0.05, read=False)
        elif kind == "slow":
            await _exchange(port, _head(token, 400_000) + b'{"reports": [', hold=min(2.0, until - time.monotonic()),
                            read=False)  # fmt: skip
        else:
            for data in GARBAGE:
                await _exchange(port, data)
        counts[kind] = counts.get(kind, 0) + 1


async def phase(prepared: Any, seconds: float, *, with_hostile: bool) -> tuple[float, dict[str, int], int]:
    until = time.monotonic() + seconds
    latencies: list[float] = []
    counts: dict[str, int] = {}
    port, token = prepared.mock.port, prepared.token
    tasks = [well_behaved(port, token, prepared.devices, prepared.platforms, prepared.now_ms, w, until, latencies)
             for w in range(WELL_BEHAVED)]  # fmt: skip
    if with_hostile:
        tasks += [hostile(kind, port, token, until, counts) for kind in KINDS]
    await asyncio.gather(*tasks)
    return statistics.quantiles(latencies, n=100)[98], counts, len(latencies)


def main(argv: Sequence[str] | None = None) -> int:
    parser = bench_parser(__doc__)
    parser.set_defaults(rounds=3, duration=8.0)
    args = parser.parse_args(argv)
    rounds, seconds = (1, 1.0) if args.quick else (args.rounds, args.duration)
    prepared = start_prepared_mock()
    try:
        pid = prepared.mock.process.pid
        asyncio.run(phase(prepared, min(seconds, 2.0), with_hostile=False))  # warm-up: connections, caches
        start_rss, start_each = tree_rss_mib(pid)
        calm, rough, hostile_counts, requests = [], [], [], 0
        for _ in range(rounds):
            p99, _, n = asyncio.run(phase(prepared, seconds, with_hostile=False))
            calm.append(p99)
            p99_h, counts, n_h = asyncio.run(phase(prepared, seconds, with_hostile=True))
            rough.append(p99_h)
            hostile_counts.append(counts)
            requests += n + n_h
        time.sleep(1.0)
        end_rss, end_each = tree_rss_mib(pid)
        if not args.quick:  # context: after the body worker's idle exit (BodyWorker.idle_seconds, 10 s)
            time.sleep(WORKER_IDLE_EXIT)
        idle_rss, idle_each = tree_rss_mib(pid)
    finally:
        prepared.mock.stop()
    ratios = [r / c for r, c in zip(rough, calm, strict=True) if c]
    ratio = statistics.median(ratios)
    measures = [
        Measure("well-behaved p99 with hostile clients / without", ratio, "x", 2.0, higher_is_better=False,
                detail={"p99_without_ms": [round(x, 2) for x in calm], "p99_with_ms": [round(x, 2) for x in rough],
                        "hostile_requests_per_round": hostile_counts, "well_behaved_requests": requests}),
        # Floored at 0.1 MiB: a ceiling's ratio is target/measured, which a shrinking RSS would make negative.
        Measure("server RSS growth over the hostile rounds", max(end_rss - start_rss, 0.1), "MiB", 50.0,
                higher_is_better=False, baseline=round(start_rss, 1),
                detail={"start_mib": round(start_rss, 1), "end_mib": round(end_rss, 1),
                        "start_by_process_mib": {str(p): round(m, 1) for p, m in start_each.items()},
                        "end_by_process_mib": {str(p): round(m, 1) for p, m in end_each.items()}}),
        Measure("server RSS growth once the body worker has exited idle (context)",
                max(idle_rss - start_rss, 0.1), "MiB", 0, context=True,
                detail={"end_mib": round(idle_rss, 1),
                        "by_process_mib": {str(p): round(m, 1) for p, m in idle_each.items()}}),
        Measure("well-behaved p99 without hostile clients (median)", statistics.median(calm), "ms", 0, context=True),
        Measure("well-behaved p99 with hostile clients (median)", statistics.median(rough), "ms", 0, context=True),
    ]
    emit("hostile clients beside well-behaved partners", measures, args.json_path, quick=args.quick)
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
