"""One simulated run end to end: set up a tenant and fleet, drive a console, read compliance back through Graph.

``mtdsim simulate`` is a thin CLI over ``simulate``. Against the embedded mock (no ``target_url``) it starts
``create_app`` on 127.0.0.1, port 0, in this process; against a target it uses the target's control API when a
control key is given, or only the partner credentials (wall-clock time, no enrollment) when not.

A provisioned run derives its tenant and app credentials from the seed, reads back the violations the mock
recorded for its partner app, and with the ``ignores-retry-after`` profile installs one fault rule (the tenant's
first report batch answers 429 with a Retry-After) so there is something to ignore.
"""

from __future__ import annotations

import contextlib
import time
from collections import Counter
from collections.abc import AsyncIterator, Callable
from contextlib import asynccontextmanager
from dataclasses import dataclass, field
from datetime import UTC, datetime, timedelta
from typing import Any

import aiohttp

from simulator.consoles.auth import Credentials
from simulator.consoles.clock import ConsoleClock, ControlClock, WallClock
from simulator.consoles.console import PartnerConsole
from simulator.consoles.profiles import Profile
from simulator.consoles.provision import ConnectorToggles, Provisioner
from simulator.consoles.run import run_console
from simulator.consoles.stats import ConsoleStats
from simulator.domain.catalog import find_partner
from simulator.domain.clock import format_datetime
from simulator.entra.trust import client_connector
from simulator.errors import SimulationError
from simulator.fleet import Behaviour, Fleet, Gaps, ThreatRates
from simulator.fleet.hashing import mix64, uuid_from

__all__ = ["DEFAULT_START", "SimulationConfig", "SimulationResult", "SoFar", "simulate", "summary", "tenant_id_for"]

DEFAULT_START = datetime(2026, 11, 25, tzinfo=UTC)
# ignores-retry-after needs a Retry-After to ignore: the run's first report batch gets a 429 with this many seconds.
RETRY_AFTER_PROBE = 30.0
# (phase, done, total or None when unknown); phases: enroll, devices, simulate, read-back
Progress = Callable[[str, int, int | None], None]


@dataclass(frozen=True, slots=True)
class SimulationConfig:
    seed: int
    partner: str = "demo"
    android: int = 50
    ios: int = 50
    days: float = 1.0
    tick: timedelta = timedelta(hours=1)
    profile: Profile = Profile.well_behaved
    rates: ThreatRates = field(default_factory=ThreatRates)
    gaps: Gaps = field(default_factory=Gaps)
    start: datetime = DEFAULT_START
    required_level: str | None = "low"  # compliance policies created on provisioning; None: none
    connector: ConnectorToggles = field(default_factory=ConnectorToggles)  # how provisioning sets it up
    target_url: str | None = None
    control_key: str | None = None
    partner_credentials: Credentials | None = None  # target without control API
    admin_credentials: Credentials | None = None
    ca_file: str | None = None  # CA to trust for an https target_url


@dataclass(frozen=True, slots=True)
class SimulationResult:
    seed: int
    target: str
    tenant_id: str
    devices_enrolled: int
    stats: ConsoleStats
    compliance: Counter[str] | None
    elapsed: float
    connector: dict[str, Any] | None = None  # the connector's settings, when the run created it
    certification: list[Any] | None = None  # certification Checks of the run's tenant, when the control API is at hand


@dataclass(slots=True)
class SoFar:
    """What a run has done so far, kept current while it goes: what ``mtdsim simulate`` summarises when it is
    interrupted (issue 15 item 10). Mutable on purpose, like the ``ConsoleStats`` it points to."""

    seed: int
    phase: str = "starting"  # then enroll, devices, simulate, read-back (``Progress``'s phases)
    done: int = 0
    total: int | None = None
    target: str | None = None
    tenant_id: str | None = None
    devices_enrolled: int = 0
    clock: ConsoleClock | None = None
    stats: ConsoleStats | None = None

    def track(self, progress: Progress | None) -> Progress:
        """``progress``, noting each phase's advance here first."""

        def report(phase: str, done: int, total: int | None) -> None:
            self.phase, self.done, self.total = phase, done, total
            if phase == "enroll":
                self.devices_enrolled = done
            if progress is not None:
                progress(phase, done, total)

        return report

    def summary(self) -> dict[str, Any]:
        """JSON-ready: the phase reached and how far into it, the virtual time reached, and the console's counters."""
        now = None
        if self.clock is not None:
            with contextlib.suppress(SimulationError):  # a ControlClock that never synced has no time yet
                now = format_datetime(self.clock.now())
        return {
            "interrupted": True, "seed": self.seed, "target": self.target, "tenantId": self.tenant_id,
            "phase": self.phase, "phaseDone": self.done, "phaseTotal": self.total, "virtualTime": now,
            "devicesEnrolled": self.devices_enrolled, **(self.stats.to_wire() if self.stats is not None else {}),
        }  # fmt: skip


def tenant_id_for(seed: int) -> str:
    """The tenant a run creates: derived from the seed so a replay hits the same ids."""
    return uuid_from(mix64(seed, 0x7E4A, 0), mix64(seed, 0x7E4A, 1))


@asynccontextmanager
async def _embedded_mock(config: SimulationConfig) -> AsyncIterator[tuple[str, str]]:
    from simulator.service import Settings
    from simulator.service.config import ServiceConfig
    from simulator.service.embedded import running_service
    from simulator.service.settings import new_control_key

    key = new_control_key()
    settings = Settings(host="127.0.0.1", port=0, seed=config.seed, clock_start=config.start, clock_ticking=False,
                        control_key=key, config=ServiceConfig(()))  # fmt: skip
    async with running_service(settings) as url:
        yield url, key


async def simulate(config: SimulationConfig, progress: Progress | None = None,
                   so_far: SoFar | None = None) -> SimulationResult:  # fmt: skip
    """Run one simulation; ``progress(phase, done, total)`` is called as each phase advances (enrolment, the
    partner's device list, the ticks, the compliance read-back), so a long run is never silent. ``so_far`` is
    kept current meanwhile, for a caller that has to summarise a run that did not finish."""
    so_far = so_far or SoFar(config.seed)
    if config.target_url is None:
        async with _embedded_mock(config) as (url, key):
            return await _run(config, url, key, so_far.track(progress), so_far)
    return await _run(config, config.target_url.rstrip("/"), config.control_key, so_far.track(progress), so_far)


async def _run(config: SimulationConfig, url: str, key: str | None, report: Progress,
               so_far: SoFar) -> SimulationResult:  # fmt: skip
    started = time.perf_counter()
    so_far.target = url
    behaviour = Behaviour(config.seed, config.rates, config.gaps, config.tick, timedelta(days=config.days))
    tcp = client_connector(config.ca_file)
    async with aiohttp.ClientSession(timeout=aiohttp.ClientTimeout(total=60), connector=tcp) as session:
        clock: ConsoleClock
        admin: Credentials | None
        enrolled, connector = 0, None
        if key is not None:
            provisioner = Provisioner(session, url, key)
            clock = ControlClock(session, url, key)
            so_far.clock, so_far.tenant_id = clock, tenant_id_for(config.seed)
            partner, admin, enrolled, connector = await _provision(config, provisioner, clock, report)
        else:
            if config.partner_credentials is None:
                raise SimulationError("a target without a control key needs partner credentials")
            provisioner, clock = Provisioner(session, url, ""), WallClock()
            partner, admin = config.partner_credentials, config.admin_credentials
            so_far.clock, so_far.tenant_id = clock, partner.tenant_id
        console = PartnerConsole(partner, clock, profile=config.profile, seed=config.seed, session=session)
        so_far.stats = console.stats
        async with console:
            known = enrolled if key is not None else None  # a target's own fleet: its size is not known here
            report("devices", 0, known)
            stats = await run_console(console, behaviour, on_tick=lambda d, t: report("simulate", d, t),
                                      on_listed=lambda n: report("devices", n, known))  # fmt: skip
        compliance = None
        certification = None
        if admin is not None:
            report("read-back", 0, known)
            compliance = await provisioner.compliance_distribution(admin, clock,
                                                                   lambda n: report("read-back", n, known))
        if key is not None:
            stats.violations = await provisioner.violations(partner.client_id)
            certification = await _certify(url, key, partner.tenant_id, config.ca_file)
    return SimulationResult(config.seed, url, partner.tenant_id, enrolled, stats, compliance,
                            time.perf_counter() - started, connector, certification)  # fmt: skip


async def _certify(url: str, key: str, tenant_id: str, ca_file: str | None) -> list[Any]:
    """The partner certification of this run's tenant, read before an embedded mock goes away."""
    from simulator.certification import certify, fetch_evidence

    return certify(await fetch_evidence(url, key, tenant=tenant_id, ca_file=ca_file))


async def _provision(config: SimulationConfig, provisioner: Provisioner, clock: ControlClock,
                     report: Progress) -> tuple[Credentials, Credentials, int, dict[str, Any]]:  # fmt: skip
    partner = find_partner(config.partner)
    tenant_id = tenant_id_for(config.seed)
    await clock.sync()
    # Named by the run, so repeated runs are told apart in the dashboard's tenant picker.
    started = datetime.now(UTC).strftime("%Y-%m-%d %H:%M:%SZ")
    name = f"mtdsim simulate seed {config.seed} at {started}"
    tenancy = await provisioner.create_tenant(tenant_id, partner.key, name, seed=config.seed)
    fleet = Fleet(config.seed, android=config.android, ios=config.ios)
    total, enrolled = len(fleet), 0
    report("enroll", 0, total)
    devices = iter(fleet)
    while enrolled < total:  # in slices, so the progress bar moves
        chunk = [next(devices) for _ in range(min(1000, total - enrolled))]
        enrolled += await provisioner.enroll(tenant_id, chunk)
        report("enroll", enrolled, total)
    created = await provisioner.create_connector(
        tenancy, clock, android=partner.min_android is not None and config.android > 0,
        ios=partner.min_ios is not None and config.ios > 0, toggles=config.connector,
    )  # fmt: skip
    connector = {name: created[name] for name in _CONNECTOR_SETTINGS}
    if config.required_level is not None:
        await provisioner.create_policies(tenancy.admin, clock, config.required_level)
    if config.profile is Profile.ignores_retry_after:
        await provisioner.throttle_first_batch(tenant_id, retry_after=RETRY_AFTER_PROBE)
    return tenancy.partner, tenancy.admin, enrolled, connector


_CONNECTOR_SETTINGS = ("androidEnabled", "iosEnabled", *ConnectorToggles(unresponsive_days=7).graph_settings())


def summary(result: SimulationResult) -> dict[str, Any]:
    """The run's summary as JSON-ready data (also what ``mtdsim simulate --json`` prints)."""
    return {
        "seed": result.seed,
        "target": result.target,
        "tenantId": result.tenant_id,
        "devicesEnrolled": result.devices_enrolled,
        **result.stats.to_wire(),
        "compliance": dict(sorted(result.compliance.items())) if result.compliance is not None else None,
        "connector": result.connector,
        "certification": _certification(result.certification),
        "elapsedSeconds": round(result.elapsed, 3),
    }


def _certification(checks: list[Any] | None) -> dict[str, Any] | None:
    if checks is None:
        return None
    from simulator.certification import to_json

    return to_json(checks)
