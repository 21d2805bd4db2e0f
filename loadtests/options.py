"""The locustfile's own command-line options (also settable as ``LOCUST_MTD_*`` env vars or in a locust.conf),
and the pure helpers that interpret them.

Locust copies custom options from the master to every worker with each spawn message, so a seed the master
chooses reaches all workers before their users start.
"""

from __future__ import annotations

from collections.abc import Mapping
from pathlib import Path
from typing import Any

from simulator.errors import ConfigError

__all__ = ["ADMIN_TASKS", "PARTNER_TASKS", "add_arguments", "load_profile", "parse_weights"]

PARTNER_TASKS = ("heartbeat", "reports", "appsync")
ADMIN_TASKS = ("connectors", "connector", "devices", "device")


def add_arguments(parser: Any) -> None:
    """Register the options on Locust's (configargparse) parser; ``env_var`` works there, not on plain argparse."""
    group = parser.add_argument_group("mtdsim", "mtdsim load test (loadtests/locustfile.py)")
    add = group.add_argument
    add("--mtd-control-key", env_var="MTDSIM_CONTROL_KEY", default="", help="control key printed by mtdsim serve")
    add("--mtd-seed", type=int, default=None, help="seed for ids, credentials and choices (default: random, printed)")
    add("--mtd-partner", default="demo", help="partner (catalog key, name or connector id) the consoles act as")
    add("--mtd-devices-per-user", type=int, default=10, help="devices each partner-console user reports about")
    add("--mtd-batch-size", type=int, default=10, help="threat reports per POST (1..1000)")
    add("--mtd-pool-users", type=int, default=0, help="users per worker to pre-enroll devices for (0: --users)")
    add("--mtd-partner-weight", type=int, default=5, help="weight of the partner-console user class")
    add("--mtd-admin-weight", type=int, default=1, help="weight of the Graph admin user class (0: none)")
    add("--mtd-partner-tasks", default="heartbeat=1,reports=8,appsync=1", help="task weights, name=weight,...")
    add("--mtd-admin-tasks", default="connectors=1,connector=1,devices=2,device=1", help="task weights")
    add("--mtd-check-rate", type=float, default=0.1, help="share of responses checked against the contracts")
    add("--mtd-wait", type=float, default=0.0, help="seconds each user waits between tasks")
    add("--mtd-shape", default="constant", choices=("constant", "ramp", "spike", "soak"), help="load shape")
    add("--mtd-ramp-seconds", type=float, default=30.0, help="ramp/soak: seconds to reach --users")
    add("--mtd-spike-at", type=float, default=10.0, help="spike: seconds before the spike")
    add("--mtd-spike-seconds", type=float, default=10.0, help="spike: how long all --users run")
    add("--mtd-spike-base", type=float, default=0.2, help="spike: share of --users outside the spike")
    add("--mtd-soak-seconds", type=float, default=3600.0, help="soak: seconds to hold --users after the ramp")
    add("--mtd-threshold", action="append", default=[], help="'[endpoint:] metric op value', repeatable")
    add("--mtd-profile", default="", help="load profile YAML (thresholds: [...])")
    add("--mtd-summary", default="", help="write a JSON summary (stats, report counts, thresholds) here")
    add("--mtd-track-devices", action="store_true", default=False,
        help="record which device ids each user reported about (for uniqueness checks; costs memory)")


def parse_weights(text: str, allowed: tuple[str, ...]) -> dict[str, int]:
    """``"heartbeat=1,reports=8"`` -> {"heartbeat": 1, "reports": 8}; unknown names and all-zero are errors."""
    weights: dict[str, int] = {}
    for part in filter(None, (p.strip() for p in text.split(","))):
        name, sep, value = part.partition("=")
        name = name.strip()
        if name not in allowed:
            raise ConfigError(f"unknown task {name!r} in {text!r}; known: {', '.join(allowed)}")
        try:
            weights[name] = int(value) if sep else 1
        except ValueError:
            raise ConfigError(f"task weight {part!r} is not name=integer") from None
    if not any(w > 0 for w in weights.values()):
        raise ConfigError(f"task weights {text!r} give no task a positive weight")
    return {name: w for name, w in weights.items() if w > 0}


def load_profile(path: str | Path) -> Mapping[str, Any]:
    """A load profile (YAML mapping). Keys used: users, spawn_rate, run_time, shape, locust_args, thresholds."""
    import yaml

    try:
        data = yaml.safe_load(Path(path).read_text(encoding="utf-8"))
    except (OSError, yaml.YAMLError) as exc:
        raise ConfigError(f"cannot read load profile: {exc}", path=path) from exc
    if not isinstance(data, Mapping):
        raise ConfigError("a load profile must be a YAML mapping", path=path)
    return data


if __name__ == "__main__":  # locust prints --help before it loads the locustfile, so our options show here
    import configargparse  # type: ignore[import-untyped]  # locust's parser library, no stubs

    help_parser = configargparse.ArgumentParser(prog="locust -f loadtests/locustfile.py", add_help=False)
    add_arguments(help_parser)
    help_parser.print_help()
