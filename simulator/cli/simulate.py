"""``mtdsim simulate``: a simulated fleet and partner console against the embedded mock or a target.

Against a target (``--target URL``), credentials come from options or environment variables:
``MTDSIM_CONTROL_KEY`` (with it, the run provisions its own tenant, fleet and connector through the target's
control API and drives its virtual clock); without it, ``MTDSIM_TENANT_ID``, ``MTDSIM_CLIENT_ID`` and
``MTDSIM_CLIENT_SECRET`` name an existing partner app (wall-clock time, the target's own devices), and
``MTDSIM_ADMIN_CLIENT_ID`` / ``MTDSIM_ADMIN_CLIENT_SECRET`` an admin app to read compliance back.
"""

from __future__ import annotations

import argparse
import os
import sys
from typing import Any

__all__ = ["add_parser", "run"]

PROFILES = ("well-behaved", "ignores-retry-after", "stale-reports", "unregistered-devices", "wrong-platform",
            "oversized-batches", "malformed-payloads", "expired-token", "silent")  # fmt: skip


def _env(name: str) -> str | None:
    return os.environ.get(name) or None


def add_parser(subparsers: Any) -> None:
    parser = subparsers.add_parser(
        "simulate", help="drive a simulated fleet and partner console", description=__doc__,
        formatter_class=argparse.RawDescriptionHelpFormatter,
    )  # fmt: skip
    parser.add_argument("--partner", default="demo", help="catalog partner key, name or connector id (default demo)")
    parser.add_argument("--android", type=int, default=50, metavar="N", help="Android devices (default 50)")
    parser.add_argument("--ios", type=int, default=50, metavar="N", help="iOS devices (default 50)")
    parser.add_argument("--days", type=float, default=1.0, metavar="D", help="virtual days to simulate (default 1)")
    parser.add_argument("--tick", default="PT1H", help="virtual time per step, ISO 8601 duration (default PT1H)")
    parser.add_argument("--events-per-day", type=float, default=0.05, metavar="R",
                        help="threat events per device per virtual day (default 0.05)")  # fmt: skip
    parser.add_argument("--never-report", type=float, default=0.0, metavar="F",
                        help="fraction of devices that never report (default 0)")  # fmt: skip
    parser.add_argument("--silent-devices", type=float, default=0.0, metavar="F",
                        help="fraction of devices silent for --silent-for at some point (default 0)")  # fmt: skip
    parser.add_argument("--silent-for", default="P2D", help="how long a silent device is silent (default P2D)")
    parser.add_argument("--heartbeat-stops-after", metavar="DURATION",
                        help="the partner stops heartbeating after this much virtual time (e.g. P1D)")  # fmt: skip
    parser.add_argument("--required-level", choices=("secured", "low", "medium", "high", "none"), default="low",
                        help="threat level the compliance policies require (none: create no policy)")  # fmt: skip
    connector = parser.add_argument_group("connector settings (runs that provision their own tenant)")
    connector.add_argument("--block-missing-data", action="store_true",
                           help="mark devices noncompliant when no data is received from the partner")
    connector.add_argument("--block-unsupported-os", action="store_true",
                           help="block devices whose OS version is below the partner's minimum")
    connector.add_argument("--unresponsive-days", type=int, metavar="N",
                           help="days without a heartbeat until the partner is unresponsive (default Intune's 7)")
    connector.add_argument("--no-app-sync", action="store_true", help="leave iOS App Sync off (no App Sync calls)")
    parser.add_argument("--profile", choices=PROFILES, default="well-behaved", help="console behaviour profile")
    parser.add_argument("--seed", type=int, default=None, help="seed (default random; printed to reproduce)")
    parser.add_argument("--target", metavar="URL", help="a running mtdsim serve (or compatible) instead of embedded")
    parser.add_argument("--control-key", default=_env("MTDSIM_CONTROL_KEY"), help="target control key")
    parser.add_argument("--ca", metavar="PEM", default=_env("MTDSIM_CA"),
                        help="CA file to trust for an https target (what `mtdsim serve --tls` printed; env MTDSIM_CA)")
    parser.add_argument("--tenant-id", default=_env("MTDSIM_TENANT_ID"), help="target tenant (no control key)")
    parser.add_argument("--client-id", default=_env("MTDSIM_CLIENT_ID"), help="target partner app client id")
    parser.add_argument("--client-secret", default=_env("MTDSIM_CLIENT_SECRET"), help="its client secret")
    parser.add_argument("--admin-client-id", default=_env("MTDSIM_ADMIN_CLIENT_ID"), help="target admin app")
    parser.add_argument("--admin-client-secret", default=_env("MTDSIM_ADMIN_CLIENT_SECRET"), help="its secret")
    parser.add_argument("--json", action="store_true", help="print the summary as JSON instead of a table")
    parser.add_argument("--no-progress", action="store_true", help="no progress bar")
    parser.set_defaults(func=run)


def run(args: argparse.Namespace) -> int:
    import asyncio
    import random

    import aiohttp

    from simulator.consoles.simulation import SoFar, simulate
    from simulator.errors import SimulationError

    seed = args.seed if args.seed is not None else random.SystemRandom().randrange(2**31)
    config = _config(args, seed)
    so_far = SoFar(seed)
    try:
        result = asyncio.run(simulate(config, so_far=so_far)) if args.no_progress or args.json \
            else _with_progress(config, so_far)  # fmt: skip
    except (aiohttp.ClientError, OSError) as exc:  # the target went away or was never there
        raise SimulationError(f"cannot reach {args.target or 'the embedded mock'} ({exc}); is mtdsim serve running "
                              "there?") from None
    except KeyboardInterrupt:  # Ctrl-C: what finished is still worth reporting (issue 15 item 10)
        _print_so_far(so_far, as_json=args.json)
        print(f"mtdsim simulate: interrupted during {so_far.phase} (rerun with --seed {seed} to reproduce)",
              file=sys.stderr)
        return 130
    _print(result, as_json=args.json)
    return 0


def _config(args: argparse.Namespace, seed: int) -> Any:
    from simulator.consoles import Credentials, Profile
    from simulator.consoles.provision import ConnectorToggles
    from simulator.consoles.simulation import SimulationConfig
    from simulator.domain.clock import parse_duration
    from simulator.errors import ConfigError
    from simulator.fleet import Gaps, ThreatRates

    if min(args.android, args.ios) < 0 or args.days <= 0 or args.events_per_day < 0:
        raise ConfigError("--android/--ios/--events-per-day must be >= 0 and --days > 0")
    if not (0 <= args.never_report <= 1 and 0 <= args.silent_devices <= 1):
        raise ConfigError("--never-report and --silent-devices are fractions between 0 and 1")
    if args.target and not args.target.startswith(("http://", "https://")):
        raise ConfigError(f"--target {args.target!r} needs a scheme: http://{args.target} or https://{args.target}")
    stops = parse_duration(args.heartbeat_stops_after) if args.heartbeat_stops_after else None
    gaps = Gaps(args.never_report, args.silent_devices, parse_duration(args.silent_for), stops)
    partner = admin = None
    toggles = _connector_toggles(args)
    if args.target and not args.control_key:
        if not (args.tenant_id and args.client_id and args.client_secret):
            raise ConfigError("--target without --control-key needs --tenant-id, --client-id and --client-secret")
        if toggles != ConnectorToggles():
            raise ConfigError("connector settings apply to a connector the run creates: give --control-key, or "
                              "set them on the target's connector yourself")
        partner = Credentials(args.target, args.tenant_id, args.client_id, args.client_secret, args.ca)
        if args.admin_client_id and args.admin_client_secret:
            admin = Credentials(args.target, args.tenant_id, args.admin_client_id, args.admin_client_secret, args.ca)
    return SimulationConfig(
        seed=seed, partner=args.partner, android=args.android, ios=args.ios, days=args.days,
        tick=parse_duration(args.tick), profile=Profile(args.profile),
        rates=ThreatRates(events_per_day=args.events_per_day), gaps=gaps, target_url=args.target,
        control_key=args.control_key if args.target else None, partner_credentials=partner, admin_credentials=admin,
        required_level=None if args.required_level == "none" else args.required_level, connector=toggles,
        ca_file=args.ca if args.target else None,
    )  # fmt: skip


def _connector_toggles(args: argparse.Namespace) -> Any:
    from simulator.consoles.provision import ConnectorToggles
    from simulator.errors import ConfigError

    if args.unresponsive_days is not None and args.unresponsive_days < 0:
        raise ConfigError("--unresponsive-days must be >= 0")
    return ConnectorToggles(app_sync=not args.no_app_sync, block_missing_data=args.block_missing_data,
                            block_unsupported_os=args.block_unsupported_os,
                            unresponsive_days=args.unresponsive_days)  # fmt: skip


def _with_progress(config: Any, so_far: Any) -> Any:
    import asyncio

    from simulator.cli._progress import PhaseProgress
    from simulator.consoles.simulation import simulate

    with PhaseProgress() as progress:
        return asyncio.run(simulate(config, progress, so_far))


def _print_so_far(so_far: Any, *, as_json: bool) -> None:
    """The summary of an interrupted run: the phase it reached, its virtual time, and the counts so far."""
    import json

    from rich.console import Console
    from rich.table import Table

    data = so_far.summary()
    if as_json:
        print(json.dumps(data, indent=2))
        return
    table = Table(title=f"mtdsim simulate: seed {data['seed']}, interrupted", show_header=False)
    total = data["phaseTotal"]
    table.add_row("phase reached", f"{data['phase']} ({data['phaseDone']}{f' of {total}' if total else ''})")
    table.add_row("virtual time", str(data["virtualTime"] or "n/a"))
    for label, key in (("target", "target"), ("tenant", "tenantId"), ("devices enrolled", "devicesEnrolled"),
                       ("reports sent", "reportsSent"), ("accepted", "accepted"), ("batches", "batches"),
                       ("heartbeats", "heartbeats"), ("App Sync calls", "appSyncCalls")):  # fmt: skip
        if key in data:
            table.add_row(label, str(data[key]))
    for title, key in (("rejected", "rejected"), ("failed requests", "errors")):
        if key in data:
            table.add_row(title, ", ".join(f"{k}: {v}" for k, v in data[key].items()) or "none")
    Console().print(table)


def _describe(connector: dict[str, Any]) -> str:
    """The connector's settings in the words of Intune's connector page."""
    platforms = [name for name, key in (("Android", "androidEnabled"), ("iOS", "iosEnabled")) if connector[key]]
    said = [f"{' and '.join(platforms) or 'no platform'} on"]
    if connector["allowPartnerToCollectIOSApplicationMetadata"]:
        said.append("App Sync")
    if connector["androidDeviceBlockedOnMissingPartnerData"] or connector["iosDeviceBlockedOnMissingPartnerData"]:
        said.append("noncompliant if no data")
    if connector["partnerUnsupportedOsVersionBlocked"]:
        said.append("unsupported OS blocked")
    said.append(f"unresponsive after {connector['partnerUnresponsivenessThresholdInDays']} days")
    return ", ".join(said)


def _print(result: Any, *, as_json: bool) -> None:
    import json

    from rich.console import Console
    from rich.table import Table

    from simulator.consoles.simulation import summary

    data = summary(result)
    if as_json:
        print(json.dumps(data, indent=2))
        return
    table = Table(title=f"mtdsim simulate: seed {data['seed']}", show_header=False)
    for label, key in (("target", "target"), ("tenant", "tenantId"), ("devices enrolled", "devicesEnrolled"),
                       ("reports sent", "reportsSent"), ("accepted", "accepted"), ("batches", "batches"),
                       ("heartbeats", "heartbeats"), ("App Sync calls", "appSyncCalls"),
                       ("token fetches", "tokenFetches"), ("retries", "retries")):  # fmt: skip
        table.add_row(label, str(data[key]))
    for title, key in (("rejected", "rejected"), ("failed requests", "errors"), ("planted by profile", "planted"),
                       ("violations", "violations"), ("violations planted", "plantedViolations"),
                       ("compliance", "compliance")):  # fmt: skip
        counts = data[key]
        text = ", ".join(f"{k}: {v}" for k, v in counts.items()) if counts else ("none" if counts == {} else "n/a")
        table.add_row(title, text)
    if data["connector"] is not None:
        table.add_row("connector", _describe(data["connector"]))
    if data["certification"] is not None:
        failed = data["certification"]["failed"]
        table.add_row("certification", f"failed: {', '.join(failed)}" if failed else "every check passed")
    table.add_row("elapsed", f"{data['elapsedSeconds']} s")
    console = Console()
    console.print(table)
    console.print(f"reproduce with: --seed {data['seed']}")
