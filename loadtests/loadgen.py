"""A small, cheap HTTP/1.1 load generator (asyncio protocol, keep-alive, one request in flight per connection).

wrk is not installed on the project machine and an aiohttp client costs more per request than the servers we
measure, so benchmarks use this instead: it writes pre-encoded requests and only finds the status line and
Content-Length of each answer. Run it in its own process, pinned to another core than the server::

    echo '{"port": 8765, "kind": "single", "connections": 50, "duration": 5, ...}' | python -m loadtests.loadgen

Kinds: ``get``/``post`` (a fixed request), ``single`` (one threat report per request) and ``batch`` (``batch``
reports per request); report kinds give every device a strictly newer reportedDateTime each time, so the
server does a real update rather than an idempotent resend. Prints one JSON line of results.

With ``targets`` (a list of ``{"name", "port", "token", "base_ms"}`` overriding the rest of the config) the servers
take turns instead: each keeps its ``connections`` open, and in every one of ``rounds`` rounds each gets ``slice``
seconds of load in a rotating order while the others idle. Answers that arrive inside a turn count for it, so a
turn's rate is its answers over ``slice``. Adjacent turns a fraction of a second apart meet the same spell of a
noisy machine, where separate runs seconds apart did not.
"""

from __future__ import annotations

import asyncio
import functools
import itertools
import json
import sys
import time
from collections.abc import Callable
from typing import Any

from loadtests.payloads import format_ms

__all__ = ["make_factory", "report_text", "run"]

Factory = Callable[[], tuple[bytes, int]]  # -> (request bytes, reports in it)


def _request(port: int, method: str, path: str, token: str, body: bytes | None) -> bytes:
    head = f"{method} {path} HTTP/1.1\r\nHost: 127.0.0.1:{port}\r\n"
    if token:
        head += f"Authorization: Bearer {token}\r\n"
    if body is not None:
        head += f"Content-Type: application/json\r\nContent-Length: {len(body)}\r\n"
    return (head + "\r\n").encode() + (body or b"")


def report_text(device: str, platform: str, when: str) -> str:
    """One report as the load sends it (JSON text; the threat is detected when it is reported)."""
    version = "17.4" if platform == "ios" else "14.0"
    return (f'{{"azureADDeviceId": "{device}", "platform": "{platform}", "osVersion": "{version}", '
            f'"threatState": "mediumSeverity", "reportedDateTime": "{when}", "threats": [{{"threatId": "t-1", '
            f'"category": "malware", "severity": "medium", "name": "Trojan.X", "detectedDateTime": "{when}"}}]}}')


def make_factory(config: dict[str, Any], part: int = 0, parts: int = 1) -> Factory:
    """Build the request maker for ``config`` (kind, port, path, token, devices, platforms, base_ms, batch).

    Connection ``part`` of ``parts`` reports only about its own share of the devices: requests on different
    connections may overtake each other, and a device's reports must reach the server oldest first.
    """
    port, path, token, kind = config["port"], config["path"], config.get("token", ""), config["kind"]
    if kind in ("get", "post"):
        body = config.get("body")
        fixed = _request(port, kind.upper(), path, token, None if body is None else json.dumps(body).encode())
        return lambda: (fixed, 0)
    devices, platforms = config["devices"][part::parts], config["platforms"][part::parts]
    base = int(config["base_ms"])
    counter = itertools.count()
    size = 1 if kind == "single" else int(config["batch"])

    def next_request() -> tuple[bytes, int]:
        n = next(counter)
        reports = []
        times: dict[int, str] = {}  # a batch holds few distinct times; formatting one costs more than a report
        for i in range(size):
            slot = (n * size + i)
            device = slot % len(devices)
            epoch_ms = base + 1 + slot // len(devices)
            when = times.get(epoch_ms) or times.setdefault(epoch_ms, format_ms(epoch_ms))
            reports.append(report_text(devices[device], platforms[device], when))
        return _request(port, "POST", path, token, ('{"reports": [' + ", ".join(reports) + "]}").encode()), size

    return next_request


def _content_length(head: bytes) -> int:
    """Content-Length of a lower-cased response head (the servers measured here never answer chunked)."""
    at = head.find(b"content-length:")
    if at < 0:
        return 0
    stop = head.find(b"\r\n", at)
    return int(head[at + 15 : stop if stop > 0 else len(head)])


class _Connection(asyncio.Protocol):
    """One keep-alive connection sending until ``deadline``; then it closes, or with ``keep_open`` it resolves
    ``done`` and waits for the next ``start`` (a turn of ``interleave``)."""

    def __init__(self, factory: Factory, results: dict[str, Any], deadline: float, done: asyncio.Future[None],
                 keep_open: bool = False) -> None:
        self.factory, self.results, self.deadline, self.done = factory, results, deadline, done
        self.keep_open = keep_open
        self.buffer = b""
        self.sent_at = 0.0
        self.reports = 0
        self.transport: asyncio.Transport | None = None

    def connection_made(self, transport: asyncio.BaseTransport) -> None:
        assert isinstance(transport, asyncio.Transport)
        self.transport = transport
        if not self.keep_open:
            self._send()

    def start(self, results: dict[str, Any], deadline: float, done: asyncio.Future[None]) -> None:
        self.results, self.deadline, self.done = results, deadline, done
        self._send()

    def _send(self) -> None:
        request, self.reports = self.factory()
        self.sent_at = time.perf_counter()
        assert self.transport is not None
        self.transport.write(request)

    def data_received(self, data: bytes) -> None:
        self.buffer += data
        end = self.buffer.find(b"\r\n\r\n")
        if end < 0:
            return
        head = self.buffer[:end].lower()
        length = _content_length(head)
        if len(self.buffer) < end + 4 + length:
            return
        self.buffer = self.buffer[end + 4 + length:]
        self._record(int(head[9:12]))

    def _record(self, status: int) -> None:
        now = time.perf_counter()
        results = self.results
        results["latencies"].append(now - self.sent_at)
        key = "ok" if 200 <= status < 300 else "bad"
        results[key] += 1
        results["reports"] += self.reports if key == "ok" else 0
        if now < self.deadline:
            results["timely"] += key == "ok"
            self._send()
        elif self.keep_open:
            self.done.set_result(None)
        else:
            assert self.transport is not None
            self.transport.close()

    def connection_lost(self, exc: Exception | None) -> None:
        if not self.done.done():
            self.done.set_result(None)


async def run(config: dict[str, Any]) -> dict[str, Any]:
    """Drive ``connections`` keep-alive connections for ``duration`` seconds; bounded by duration + 30 s."""
    loop = asyncio.get_running_loop()
    results = _new_results()
    start = time.perf_counter()
    deadline = start + float(config["duration"])
    waits = []
    connections = int(config.get("connections", 50))
    for part in range(connections):
        done: asyncio.Future[None] = loop.create_future()
        factory = make_factory(config, part, connections)
        protocol = functools.partial(_Connection, factory, results, deadline, done)
        await loop.create_connection(protocol, "127.0.0.1", config["port"])
        waits.append(done)
    await asyncio.wait_for(asyncio.gather(*waits), timeout=float(config["duration"]) + 30)
    seconds = time.perf_counter() - start
    latencies = sorted(results.pop("latencies"))
    del results["timely"]
    return {**results, "seconds": round(seconds, 3), "rps": round(results["ok"] / seconds, 1),
            "reports_per_s": round(results["reports"] / seconds, 1),
            "p50_ms": _quantile_ms(latencies, 0.5), "p99_ms": _quantile_ms(latencies, 0.99)}


async def interleave(config: dict[str, Any]) -> dict[str, Any]:
    """Give each of ``targets`` a ``slice``-second turn per round (rotating order), ``rounds`` times; returns each
    target's answers per second in every turn, and its successful and failed answers in all."""
    loop = asyncio.get_running_loop()
    slice_s, connections = float(config["slice"]), int(config.get("connections", 50))
    pools: dict[str, list[_Connection]] = {}
    for target in config["targets"]:
        settings = {**config, **target}
        pools[target["name"]] = [await _open(settings, part, connections) for part in range(connections)]
    turns: dict[str, list[float]] = {name: [] for name in pools}
    answered, bad = dict.fromkeys(pools, 0), dict.fromkeys(pools, 0)
    order = list(pools)
    for _ in range(int(config["rounds"])):
        for name in order:
            results = _new_results()
            deadline = time.perf_counter() + slice_s
            idle = [loop.create_future() for _ in pools[name]]
            for connection, done in zip(pools[name], idle, strict=True):
                connection.start(results, deadline, done)
            await asyncio.wait_for(asyncio.gather(*idle), timeout=slice_s + 30)
            turns[name].append(round(results["timely"] / slice_s, 1))
            answered[name] += results["ok"]
            bad[name] += results["bad"]
        order = order[1:] + order[:1]  # no server always follows the same one
    for pool in pools.values():
        for connection in pool:
            assert connection.transport is not None
            connection.transport.close()
    return {"turns": turns, "answered": answered, "bad": bad}


async def _open(settings: dict[str, Any], part: int, parts: int) -> _Connection:
    loop = asyncio.get_running_loop()
    protocol = functools.partial(_Connection, make_factory(settings, part, parts), _new_results(), 0.0,
                                 loop.create_future(), keep_open=True)
    _, connection = await loop.create_connection(protocol, "127.0.0.1", settings["port"])
    return connection


def _new_results() -> dict[str, Any]:
    return {"ok": 0, "bad": 0, "reports": 0, "timely": 0, "latencies": []}


def _quantile_ms(ordered: list[float], q: float) -> float | None:
    return round(1000 * ordered[min(len(ordered) - 1, int(q * len(ordered)))], 2) if ordered else None


def main(argv: list[str]) -> int:
    config = json.loads(argv[0] if argv else sys.stdin.read())
    print(json.dumps(asyncio.run(interleave(config) if "targets" in config else run(config))), flush=True)
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
