"""Benchmark: a million devices through ``mtdsim serve`` (DESIGN 6, issue 16).

- enrolment of N devices through the control API, batches of 10,000 (target >= 100k devices/s, wall time of the
  requests only: bodies are built before each is sent);
- N devices with one threat report each, held by the server (target <= 2 GiB RSS);
- Graph managedDevices page of 100 at N devices vs the same page in a 1,000-device tenant of the same server,
  median latency over interleaved rounds (target: 1k latency / N latency >= 0.5, i.e. cost independent of N);
- compliance counts at N devices through ``GET /_sim/tenants/{tid}/counts`` (target: median < 10 ms).

``python -m loadtests.bench_scale [--devices 1000000] [--rounds 5] [--quick]``; quick mode uses 20,000 devices.
"""

from __future__ import annotations

import http.client
import statistics
import time
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import orjson

from loadtests.benchlib import SERVER_CPU, Measure, bench_parser, cpu_seconds, emit
from loadtests.mockproc import MockProcess, start_mock
from loadtests.target import credentials_for, fetch_token, prepare

__all__ = ["main"]

BATCH = 10_000
REPORTS = 1_000
SMALL = 1_000
GiB = 1024**3


class Client:
    """One kept-alive HTTP/1.1 connection; bodies go as prepared bytes (the client's work stays outside timings)."""

    def __init__(self, port: int, headers: dict[str, str]) -> None:
        self.connection = http.client.HTTPConnection("127.0.0.1", port, timeout=120)
        self.headers = headers

    def send(self, method: str, path: str, body: bytes | None = None, headers: dict[str, str] | None = None,
             expect: int = 200) -> bytes:  # fmt: skip
        extra = {"Content-Type": "application/json"} if body is not None else {}
        self.connection.request(method, path, body=body, headers={**self.headers, **extra, **(headers or {})})
        response = self.connection.getresponse()
        data = response.read()
        if response.status != expect:
            raise RuntimeError(f"{method} {path}: {response.status} {data[:500]!r}")
        return data


def _device(index: int) -> dict[str, Any]:
    ios = index % 2 == 1
    return {"azureADDeviceId": _aad(index), "platform": "ios" if ios else "android",
            "osVersion": "17.4" if ios else "14.0"}  # fmt: skip


def _aad(index: int) -> str:
    return f"5ca1e000-0000-4000-8000-{index:012d}"


def _batches(total: int, size: int) -> Iterator[range]:
    for start in range(0, total, size):
        yield range(start, min(start + size, total))


def enroll(control: Client, tenant: str, total: int, server_pid: int) -> tuple[float, float]:
    """Devices per second over the requests' wall time, and per second of the server's CPU time (what the server
    can do when other processes share its core, as on a busy machine)."""
    spent = cpu = 0.0
    for batch in _batches(total, BATCH):
        body = orjson.dumps({"devices": [_device(i) for i in batch]})
        start, cpu_start = time.perf_counter(), cpu_seconds(server_pid)
        control.send("POST", f"/_sim/tenants/{tenant}/devices", body, expect=201)
        spent += time.perf_counter() - start
        cpu += cpu_seconds(server_pid) - cpu_start
    return total / spent, total / cpu


def report_all(partner: Client, total: int, now: str) -> None:
    for batch in _batches(total, REPORTS):
        reports = [{"azureADDeviceId": _aad(i), "platform": "ios" if i % 2 else "android",
                    "osVersion": "17.4" if i % 2 else "14.0",
                    "threatState": "highSeverity" if i % 10 == 0 else "secured", "reportedDateTime": now}
                   for i in batch]  # fmt: skip
        body = orjson.dumps({"reports": reports})
        answer = orjson.loads(partner.send("POST", "/partner/v1/deviceThreatReports", body))
        if answer["rejectedCount"]:
            raise RuntimeError(f"reports rejected: {answer['results'][:3]}")


def latencies(client: Client, path: str, count: int) -> list[float]:
    found = []
    for _ in range(count):
        start = time.perf_counter()
        client.send("GET", path)
        found.append(time.perf_counter() - start)
    return found


def rss(pid: int) -> tuple[int, int]:
    """(current, peak) resident set of a process, bytes (Linux /proc)."""
    fields = dict(line.split(":", 1) for line in Path(f"/proc/{pid}/status").read_text().splitlines() if ":" in line)
    return int(fields["VmRSS"].split()[0]) * 1024, int(fields["VmHWM"].split()[0]) * 1024


def measure(devices: int, rounds: int) -> list[Measure]:
    mock = start_mock(cpus=SERVER_CPU)
    try:
        return _measure(mock, devices, rounds)
    finally:
        mock.stop()


def _measure(mock: MockProcess, devices: int, rounds: int) -> list[Measure]:
    small, big = credentials_for(101), credentials_for(102)
    prepare(mock.url, mock.control_key, 101, workers=1, users=SMALL // 10, per_user=10)
    prepare(mock.url, mock.control_key, 102, workers=1, users=1, per_user=1)  # the big tenant's own devices follow
    control = Client(mock.port, {"X-Mtdsim-Control-Key": mock.control_key})
    rate, cpu_rate = enroll(control, big.tenant_id, devices - 1, mock.process.pid)
    partner_token = fetch_token(mock.url, big.tenant_id, big.partner_client_id, big.partner_secret)["access_token"]
    partner = Client(mock.port, {"Authorization": f"Bearer {partner_token}"})
    now = orjson.loads(control.send("GET", "/_sim/clock"))["now"]
    report_all(partner, devices - 1, now)
    current, peak = rss(mock.process.pid)

    def admin(creds: Any) -> Client:
        token = fetch_token(mock.url, creds.tenant_id, creds.admin_client_id, creds.admin_secret)["access_token"]
        return Client(mock.port, {"Authorization": f"Bearer {token}"})

    page = "/v1.0/deviceManagement/managedDevices?$top=100"
    small_admin, big_admin = admin(small), admin(big)
    small_times: list[float] = []
    big_times: list[float] = []
    for _ in range(rounds):  # interleaved, so a slow spell of the machine hits both
        small_times += latencies(small_admin, page, 20)
        big_times += latencies(big_admin, page, 20)
    counts_path = f"/_sim/tenants/{big.tenant_id}/counts"
    counts_times = latencies(control, counts_path, 10 * rounds)
    counted = orjson.loads(control.send("GET", counts_path))
    filtered = statistics.median(latencies(big_admin, f"{page}&$filter=operatingSystem%20eq%20'iOS'&$count=true", 20))
    deep = statistics.median(latencies(big_admin, f"{page}&$skip={devices // 2}", 20))
    partner_page = statistics.median(latencies(partner, "/partner/v1/devices?platform=ios&$top=100", 20))
    small_page, big_page = statistics.median(small_times), statistics.median(big_times)
    return [
        Measure(f"enrolment of {devices:,} devices via control API", rate, "devices/s", 100_000),
        Measure("same, per second of server CPU time (context)", cpu_rate, "devices/s", 0.0, context=True),
        Measure(f"RSS holding {devices:,} devices + 1 report each", current / GiB, "GiB", 2.0,
                higher_is_better=False, detail={"peakGiB": round(peak / GiB, 3)}),
        Measure(f"managedDevices page of 100: 1k vs {devices:,} devices", small_page / big_page, "x (speed)", 0.5,
                detail={"ms1k": round(small_page * 1e3, 3), f"ms{devices}": round(big_page * 1e3, 3)}),
        Measure(f"compliance counts at {devices:,} devices", statistics.median(counts_times) * 1e3, "ms", 10.0,
                higher_is_better=False, detail={"classes": counted["classes"], "total": counted["total"]}),
        Measure(f"filtered page ($count, iOS) at {devices:,} devices", filtered * 1e3, "ms", 0.0, context=True),
        Measure(f"page of 100 after $skip={devices // 2:,}", deep * 1e3, "ms", 0.0, context=True),
        Measure(f"partner device list page of 100 at {devices:,}", partner_page * 1e3, "ms", 0.0, context=True),
    ]


def main(argv: list[str] | None = None) -> int:
    parser = bench_parser(__doc__)
    parser.add_argument("--devices", type=int, default=1_000_000)
    args = parser.parse_args(argv)
    devices = 20_000 if args.quick else args.devices
    emit("mtdsim at scale (DESIGN 6: device lists, counts, memory, enrolment)", measure(devices, args.rounds),
         args.json_path, quick=args.quick)  # fmt: skip
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
