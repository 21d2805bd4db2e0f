"""``mtdsim journal --state DIR``: the request journal of a state directory, read offline, newest first."""

from __future__ import annotations

import argparse
from typing import Any

__all__ = ["add_parser", "run"]


def add_parser(subparsers: Any) -> None:
    parser = subparsers.add_parser(
        "journal", help="read the request journal saved in a state directory (offline)",
        description="Print the answered requests a `mtdsim serve --state DIR` saved at its last checkpoint, newest "
        "first, filtered like GET /_sim/journal.",
    )  # fmt: skip
    parser.add_argument("--state", metavar="DIR", required=True, help="the state directory")
    parser.add_argument("--route", help="route template or path")
    parser.add_argument("--tenant", help="tenant id")
    parser.add_argument("--partner", help="partner key, name or connector id")
    parser.add_argument("--device", help="azureADDeviceId")
    parser.add_argument("--status", type=int, help="HTTP status")
    parser.add_argument("--client-request-id", help="the client-request-id header a request carried (was my lost "
                        "request answered?)")  # fmt: skip
    parser.add_argument("--limit", type=int, default=100, help="at most this many entries (default 100)")
    parser.add_argument("--json", action="store_true", help="one JSON object per line (GET /_sim/journal's shape)")
    parser.set_defaults(func=run)


def run(args: argparse.Namespace) -> int:
    import json
    from pathlib import Path

    from rich.console import Console
    from rich.table import Table

    from simulator.errors import ConfigError
    from simulator.store.offline import JournalQuery, read_journal

    if args.limit < 0:
        raise ConfigError("--limit must be >= 0")
    query = JournalQuery(route=args.route, tenant=args.tenant, partner=args.partner, device=args.device,
                         status=args.status, client_request_id=args.client_request_id, limit=args.limit)  # fmt: skip
    entries, total = read_journal(Path(args.state), query)
    if args.json:
        for entry in entries:
            print(json.dumps(entry.to_wire()))
        return 0
    table = Table(title=f"journal of {args.state}: {len(entries)} shown, {total} requests in all")
    for column in ("time", "method", "route", "status", "ms", "tenant", "device"):
        table.add_column(column)
    for e in entries:
        wire = e.to_wire()
        table.add_row(wire["time"], e.method, e.path, str(e.status), f"{e.duration_ms:.2f}", e.tenant or "",
                      e.device or "")  # fmt: skip
    Console().print(table)
    return 0
