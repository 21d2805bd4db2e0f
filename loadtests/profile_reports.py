"""Profile the mock's threat-report path: ``mtdsim serve`` under cProfile (pinned to CPU 0), driven by the load
generator (CPU 1) with single reports or 1000-report batches, then the top functions by own and cumulative time.

    python -m loadtests.profile_reports single --seconds 6 --top 30
    python -m loadtests.profile_reports batch --out /tmp/batch.prof     # then: python -m pstats /tmp/batch.prof

cProfile roughly doubles per-call costs; read the shares, not the absolute times.
"""

from __future__ import annotations

import argparse
import pstats
import signal
import subprocess
import sys
import tempfile
from collections.abc import Sequence
from pathlib import Path

from loadtests.benchlib import SERVER_CPU, loadgen
from loadtests.ids import device_id, device_platform
from loadtests.mockproc import free_port, pinned, wait_for_port
from loadtests.target import fetch_stats, fetch_token, jwt_claims, prepare

__all__ = ["main"]

KEY = "profile-control-key"


def _drive(port: int, kind: str, seconds: float) -> dict[str, object]:
    url = f"http://127.0.0.1:{port}"
    users = 400 if kind == "batch" else 100  # batch: 4 connections x 1000 devices of their own
    creds = prepare(url, KEY, 1, workers=1, users=users, per_user=10)
    token = fetch_token(url, creds.tenant_id, creds.partner_client_id, creds.partner_secret)["access_token"]
    slots = [(u, n) for u in range(users) for n in range(10)]
    config = {"port": port, "kind": kind, "path": "/partner/v1/deviceThreatReports", "token": token,
              "devices": [device_id(1, 0, u, n) for u, n in slots],
              "platforms": [device_platform(u, n) for u, n in slots],
              "base_ms": int(jwt_claims(token)["iat"]) * 1000 - 20 * 60_000,
              "connections": 4 if kind == "batch" else 50, "batch": 1000, "duration": seconds}
    result = loadgen(config)
    result["traffic"] = fetch_stats(url, KEY)["traffic"]
    return result


def main(argv: Sequence[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("kind", choices=("single", "batch"))
    parser.add_argument("--seconds", type=float, default=6.0)
    parser.add_argument("--top", type=int, default=30)
    parser.add_argument("--out", help="keep the profile here (default: a temporary file)")
    args = parser.parse_args(argv)
    out = args.out or str(Path(tempfile.mkdtemp(prefix="mtdsim-prof-")) / f"{args.kind}.prof")
    port = free_port()
    command = [sys.executable, "-m", "cProfile", "-o", out, "-m", "simulator", "serve", "--port", str(port),
               "--control-key", KEY]
    server = subprocess.Popen(pinned(command, SERVER_CPU), stdout=subprocess.DEVNULL)
    try:
        wait_for_port(port, 20)
        print(_drive(port, args.kind, args.seconds))
    finally:
        server.send_signal(signal.SIGINT)  # serve exits cleanly, so cProfile writes the profile
        server.wait(30)
    stats = pstats.Stats(out)
    stats.sort_stats("tottime").print_stats(args.top)
    stats.sort_stats("cumtime").print_stats("simulator/", args.top)
    print(f"profile: {out}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
