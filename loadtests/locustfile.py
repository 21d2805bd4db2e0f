"""mtdsim load test: partner consoles and Graph admins against a running mock (``mtdsim serve``).

    locust -f loadtests/locustfile.py --headless -u 50 -r 10 -t 60s --host http://127.0.0.1:8765 \\
        --mtd-control-key KEY --mtd-threshold "p95_ms < 250" --mtd-threshold "fail_ratio <= 0.01"

The master (or the single local process) prepares the target once, on test start, through the control API:
tenant, partner and admin apps with credentials derived from the seed, the connector, and a device pool of
workers x users x devices-per-user. Device ids come from (seed, worker index, user index) - see loadtests/ids.py -
so they are unique across all users and workers with no coordination. Thresholds decide the exit code (3 when one
fails; the failing ones are printed). Options: ``python -m loadtests.options``.
"""
# ruff: noqa: I001 - locust must be imported first and the repository put on sys.path before our imports
import locust  # noqa: F401 - first, so gevent patches the standard library before anything else imports it

import json
import logging
import secrets
import sys
import time
from pathlib import Path
from typing import Any

from locust import LoadTestShape, events
from locust.runners import MasterRunner, WorkerRunner

if __package__ in (None, ""):  # loaded by path (locust -f): make the repository importable
    sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

from loadtests import shapes
from loadtests.options import add_arguments, load_profile
from loadtests.tally import shared_devices
from loadtests.target import prepare
from loadtests.thresholds import (
    AGGREGATED,
    EndpointStats,
    describe_failures,
    evaluate,
    parse_threshold,
    thresholds_from_profile,
)
from loadtests.users import RUN, GraphAdminUser, PartnerConsoleUser

__all__ = ["GraphAdminUser", "MtdShape", "PartnerConsoleUser"]

log = logging.getLogger("mtdsim.load")
THRESHOLD_EXIT_CODE = 3
_prepared: dict[str, Any] = {}


def _options(parser: Any) -> None:
    add_arguments(parser)


def _init(environment: Any, **_: Any) -> None:
    options, runner = environment.parsed_options, environment.runner
    if options is None:
        return
    if isinstance(runner, WorkerRunner):
        return  # workers get the seed and thresholds from the master; they only ship counts (see below)
    if options.mtd_seed is None:
        options.mtd_seed = secrets.randbits(31)
    print(f"mtdsim load test: seed {options.mtd_seed} (replay with --mtd-seed {options.mtd_seed})", flush=True)
    PartnerConsoleUser.weight, GraphAdminUser.weight = options.mtd_partner_weight, options.mtd_admin_weight
    environment.user_classes = [c for c in environment.user_classes if getattr(c, "weight", 1) > 0]
    environment.mtd_thresholds = [parse_threshold(t) for t in options.mtd_threshold]
    if options.mtd_profile:
        environment.mtd_thresholds += thresholds_from_profile(load_profile(options.mtd_profile))


def _prepare_target(environment: Any, **_: Any) -> None:
    """Once per master/local process: create tenant, apps, connector and the device pool."""
    runner, options = environment.runner, environment.parsed_options
    if isinstance(runner, WorkerRunner) or _prepared or options is None:
        return
    workers = max(runner.worker_count, options.expect_workers or 1) if isinstance(runner, MasterRunner) else 1
    users = options.mtd_pool_users or options.num_users or 1
    RUN.pool_workers = workers
    options.mtd_pool_users = users
    try:
        creds = prepare(environment.host.rstrip("/"), options.mtd_control_key, options.mtd_seed, workers=workers,
                        users=users, per_user=options.mtd_devices_per_user, partner=options.mtd_partner)
    except Exception as exc:  # any set-up failure ends the run: load against a half-made target means nothing
        log.error("load-test set-up failed: %s", exc)
        environment.process_exit_code = 2
        runner.quit()
        return
    _prepared.update(tenant=creds.tenant_id, workers=workers, users=users)
    log.info("target prepared: tenant %s, %d devices", creds.tenant_id, workers * users * options.mtd_devices_per_user)


def _report_to_master(client_id: str, data: dict[str, Any]) -> None:
    data["mtdsim"] = RUN.tally.drain()


def _worker_report(client_id: str, data: dict[str, Any]) -> None:
    if "mtdsim" in data:
        RUN.tally.merge(data["mtdsim"])


def stats_rows(stats: Any) -> list[EndpointStats]:
    """Locust's stats entries plus the aggregated row, as thresholds read them."""
    def row(entry: Any, name: str, method: str) -> EndpointStats:
        return EndpointStats(name, method, entry.num_requests, entry.num_failures,
                             entry.get_response_time_percentile(0.5), entry.get_response_time_percentile(0.95),
                             entry.get_response_time_percentile(0.99), entry.total_rps)

    rows = [row(e, e.name, e.method or "") for e in stats.entries.values()]
    return [*rows, row(stats.total, AGGREGATED, "")]


def _verdict(environment: Any, **_: Any) -> None:
    if isinstance(environment.runner, WorkerRunner) or environment.parsed_options is None:
        return
    rows = stats_rows(environment.runner.stats)
    outcomes = evaluate(getattr(environment, "mtd_thresholds", []), rows)
    failures = describe_failures(outcomes)
    for line in failures:
        print(line, file=sys.stderr)
    if failures:
        environment.process_exit_code = THRESHOLD_EXIT_CODE
    elif outcomes:  # thresholds decide: a tolerated failure ratio must not turn into Locust's exit code 1
        print(f"all {len(outcomes)} threshold(s) passed", file=sys.stderr)
        environment.process_exit_code = 0
    if environment.parsed_options.mtd_summary:
        _write_summary(environment, rows, outcomes)


def _write_summary(environment: Any, rows: list[EndpointStats], outcomes: list[Any]) -> None:
    tally = RUN.tally.snapshot()
    summary = {
        "seed": environment.parsed_options.mtd_seed,
        "prepared": _prepared,
        "stats": [{**{k: getattr(r, k) for k in r.__slots__}, "failRatio": r.fail_ratio} for r in rows],
        "reports": {k: v for k, v in tally.items() if k != "devicesByUser"},
        "users": len(tally["devicesByUser"]),
        "devicesByUser": tally["devicesByUser"],
        "sharedDevices": shared_devices(tally["devicesByUser"]),
        "thresholds": [{"threshold": str(o.threshold), "actual": o.actual, "passed": o.passed} for o in outcomes],
    }
    Path(environment.parsed_options.mtd_summary).write_text(json.dumps(summary, indent=2), encoding="utf-8")


hooks: Any = events  # locust's EventHook.add_listener is untyped
hooks.init_command_line_parser.add_listener(_options)
hooks.init.add_listener(_init)
hooks.test_start.add_listener(_prepare_target)
hooks.report_to_master.add_listener(_report_to_master)
hooks.worker_report.add_listener(_worker_report)
hooks.quitting.add_listener(_verdict)


class MtdShape(LoadTestShape):
    """The shape chosen by --mtd-shape; 'constant' is plain --users/--spawn-rate (the default)."""

    use_common_options = True

    def tick(self) -> tuple[int, float] | None:
        options = self.runner.environment.parsed_options if self.runner is not None else None
        if options is None:
            return None
        plan = shapes.ShapePlan(
            shape=options.mtd_shape, users=options.num_users or 1, spawn_rate=options.spawn_rate or 1.0,
            ramp_seconds=options.mtd_ramp_seconds, spike_at=options.mtd_spike_at,
            spike_seconds=options.mtd_spike_seconds, spike_base=options.mtd_spike_base,
            soak_seconds=options.mtd_soak_seconds, run_time=options.run_time or None,
        )
        return shapes.tick(plan, time.perf_counter() - self.start_time)  # what get_run_time() computes


if __name__ == "__main__":
    from locust import run_single_user

    run_single_user(PartnerConsoleUser)
