"""Count the instructions one threat-report request costs, mock against the bare baseline, with valgrind.

Wall-clock ratios on this machine move +-30% from run to run; instruction counts repeat from run to run, so they
show whether a change to the report path made it cheaper. Each server runs under ``valgrind --tool=callgrind``
twice, answering N1 and then N2 requests sent one after another; (instructions2 - instructions1) / (N2 - N1) is
the cost of one request with start-up, set-up and shutdown cancelled out. Needs valgrind (Debian package).

    python -m loadtests.instructions single              # one report per request (a few minutes)
    python -m loadtests.instructions batch --requests 5 25

Instructions are not time: the mock touches more memory per request than the bare server, so its wall-clock
ratio (bench_report) is lower than its instruction ratio.
"""

from __future__ import annotations

import argparse
import http.client
import json
import os
import re
import shutil
import subprocess
import sys
import tempfile
import time
from collections.abc import Sequence
from pathlib import Path

from loadtests.ids import device_id, device_platform
from loadtests.loadgen import make_factory
from loadtests.mockproc import free_port, wait_for_port
from loadtests.target import fetch_token, jwt_claims, prepare
from simulator.entra.keyfile import kept_signing_key
from simulator.errors import SimulationError

__all__ = ["count", "main"]

KEY = "instructions-control-key"
USERS = 100  # x 10 devices: the 1000 devices every benchmark reports about
STARTUP_TIMEOUT = 300.0  # Python under valgrind starts ~50x slower


def count(server: str, kind: str, requests: int, workdir: Path) -> int:
    """Total instructions of one ``server`` process ("mock" or "baseline") that answered ``requests`` requests."""
    port = free_port()
    data = workdir / "data"  # the mock's $XDG_DATA_HOME: its signing key is made here before either measured run
    kept_signing_key(data / "mtdsim")  # (RSA key generation's cost varies from run to run; reading a key does not)
    out = workdir / f"callgrind.{server}.{kind}.{requests}.out"
    command = ([sys.executable, "-m", "simulator", "serve", "--port", str(port), "--control-key", KEY, "--seed", "1"]
               if server == "mock" else [sys.executable, "-m", "loadtests.baseline_server", "--port", str(port)])
    process = subprocess.Popen(["valgrind", "--tool=callgrind", f"--callgrind-out-file={out}", *command],
                               stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL,
                               env={**os.environ, "PYTHONHASHSEED": "0", "XDG_DATA_HOME": str(data)})  # same hashing
    try:
        wait_for_port(port, STARTUP_TIMEOUT)
        _send(port, server, kind, requests)
    finally:
        process.send_signal(2)
        process.wait(STARTUP_TIMEOUT)
    found = re.search(r"^(?:summary|totals):\s+(\d+)", out.read_text(encoding="utf-8"), re.MULTILINE)
    if found is None:
        raise SimulationError(f"no instruction total in {out}")
    return int(found.group(1))


def _send(port: int, server: str, kind: str, requests: int) -> None:
    url = f"http://127.0.0.1:{port}"
    slots = [(user, n) for user in range(USERS) for n in range(10)]
    if server == "mock":
        creds = prepare(url, KEY, 1, workers=1, users=USERS, per_user=10)
        token = fetch_token(url, creds.tenant_id, creds.partner_client_id, creds.partner_secret)["access_token"]
        now_ms = int(jwt_claims(token)["iat"]) * 1000
    else:
        token, now_ms = "x" * 420, int(time.time() * 1000)  # the baseline ignores the token; same request size
    factory = make_factory({"port": port, "kind": kind, "path": "/partner/v1/deviceThreatReports", "token": token,
                            "devices": [device_id(1, 0, user, n) for user, n in slots],
                            "platforms": [device_platform(user, n) for user, n in slots],
                            "base_ms": now_ms - 60 * 60_000, "batch": 1000})
    connection = http.client.HTTPConnection("127.0.0.1", port, timeout=STARTUP_TIMEOUT)
    try:
        for _ in range(requests):
            raw, _reports = factory()
            head, _, body = raw.partition(b"\r\n\r\n")
            lines = head.decode().split("\r\n")[1:]
            headers = dict(line.split(": ", 1) for line in lines if not line.startswith("Host"))
            connection.request("POST", "/partner/v1/deviceThreatReports", body=body, headers=headers)
            response = connection.getresponse()
            answer = response.read()
            if response.status != 200 or (server == "mock" and json.loads(answer)["rejectedCount"]):
                raise SimulationError(f"{server} answered {response.status}: {answer[:300]!r}")
    finally:
        connection.close()


def main(argv: Sequence[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("kind", choices=("single", "batch"))
    parser.add_argument("--servers", nargs="+", choices=("mock", "baseline"), default=["mock", "baseline"])
    parser.add_argument("--requests", nargs=2, type=int, metavar=("N1", "N2"),
                        help="requests in the two runs (default 2000 4000 for single, 5 25 for batch)")
    parser.add_argument("--keep", type=Path, metavar="DIR",
                        help="keep callgrind's out files in DIR (for callgrind_annotate); default: a temporary folder")
    args = parser.parse_args(argv)
    if shutil.which("valgrind") is None:
        print("loadtests.instructions needs valgrind (apt-get install valgrind)", file=sys.stderr)
        return 2
    n1, n2 = args.requests or ((2000, 4000) if args.kind == "single" else (5, 25))
    if not 0 <= n1 < n2:
        parser.error("--requests N1 N2 needs 0 <= N1 < N2")
    per_request = {}
    with tempfile.TemporaryDirectory(prefix="mtdsim-callgrind-") as folder:
        workdir = Path(folder) if args.keep is None else args.keep
        workdir.mkdir(parents=True, exist_ok=True)
        for server in args.servers:
            first, second = (count(server, args.kind, n, workdir) for n in (n1, n2))
            per_request[server] = (second - first) / (n2 - n1)
            print(f"{server:<9} {args.kind}: {per_request[server]:>14,.0f} instructions per request", flush=True)
    if len(per_request) == 2:
        print(f"baseline / mock: {per_request['baseline'] / per_request['mock']:.3f}")
    print(json.dumps({"kind": args.kind, "requests": [n1, n2], "instructions_per_request": per_request}))
    return 0


if __name__ == "__main__":
    sys.exit(main())
