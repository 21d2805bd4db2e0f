"""Run scenarios end to end: pick the target (embedded mock, or a URL with its control key), open one HTTP
session, and give back one outcome per scenario. Used by ``mtdsim run`` and the pytest plugin."""

from __future__ import annotations

import contextlib
import os
import time
from collections.abc import AsyncIterator, Callable, Iterable
from contextlib import asynccontextmanager
from dataclasses import dataclass
from datetime import timedelta

import aiohttp

from simulator.domain.clock import format_datetime, parse_datetime
from simulator.errors import ConfigError, StepFailed
from simulator.scenarios.embedded import embedded_target
from simulator.scenarios.model import Scenario
from simulator.scenarios.reproduce import reproduce_command
from simulator.scenarios.runner import Target, run_scenario

__all__ = ["Outcome", "RunOptions", "open_target", "run_all"]

TARGET_ENV = "MTDSIM_TARGET"
CONTROL_KEY_ENV = "MTDSIM_CONTROL_KEY"


@dataclass(frozen=True, slots=True)
class RunOptions:
    seed: int = 0
    target: str | None = None
    control_key: str | None = None
    ca_file: str | None = None  # CA to trust for an https target

    @classmethod
    def from_env(cls, seed: int, target: str | None, control_key: str | None,
                 ca_file: str | None = None) -> RunOptions:  # fmt: skip
        """Options, with MTDSIM_TARGET, MTDSIM_CONTROL_KEY and MTDSIM_CA filling what was not given."""
        from simulator.entra.trust import ca_from_env

        target = target or os.environ.get(TARGET_ENV) or None
        control_key = control_key or os.environ.get(CONTROL_KEY_ENV) or None
        if target and not control_key:
            raise ConfigError(f"--target needs the server's control key (--control-key or {CONTROL_KEY_ENV})")
        return cls(seed, target, control_key, ca_from_env(ca_file))


@dataclass(frozen=True, slots=True)
class Outcome:
    scenario: Scenario
    seconds: float
    failure: StepFailed | None = None
    reproduce: str = ""  # the command that runs this scenario alone, from a clean state

    @property
    def passed(self) -> bool:
        return self.failure is None


@asynccontextmanager
async def open_target(options: RunOptions) -> AsyncIterator[tuple[Target, aiohttp.ClientSession]]:
    from simulator.entra.trust import client_connector

    timeout = aiohttp.ClientTimeout(total=30)
    async with aiohttp.ClientSession(timeout=timeout, connector=client_connector(options.ca_file)) as session:
        if options.target:
            target = Target(options.target, options.control_key or "")
            async with _clock_restored(session, target):
                yield target, session
        else:
            async with embedded_target(options.seed) as target:
                yield target, session


@asynccontextmanager
async def _clock_restored(session: aiohttp.ClientSession, target: Target) -> AsyncIterator[None]:
    """Scenarios freeze and move the server's clock; give it back as it was, as if it had kept going meanwhile."""
    headers = {"X-Mtdsim-Control-Key": target.control_key}
    url = f"{target.base_url}/_sim/clock"
    try:
        async with session.get(url, headers=headers) as response:
            status = response.status
            before = await response.json() if status == 200 else None
    except (aiohttp.ClientError, ValueError) as exc:
        raise ConfigError(f"--target {target.base_url} cannot be reached: {exc or type(exc).__name__}") from None
    if status in (401, 403):
        raise ConfigError(f"--target {target.base_url} refused the control key ({status}): check --control-key")
    if before is None:
        raise ConfigError(f"--target {target.base_url} is not an mtdsim mock: GET /_sim/clock answered {status}")
    started = time.monotonic()
    try:
        yield
    finally:
        now = parse_datetime(before["now"])
        if before["ticking"]:
            now += timedelta(seconds=time.monotonic() - started)
        body = {"now": format_datetime(now), "ticking": before["ticking"]}
        with contextlib.suppress(aiohttp.ClientError):
            async with session.put(url, json=body, headers=headers):
                pass


async def run_all(
    scenarios: Iterable[Scenario], options: RunOptions, on_outcome: Callable[[Outcome], None] | None = None
) -> list[Outcome]:
    outcomes: list[Outcome] = []
    async with open_target(options) as (target, session):
        for scenario in scenarios:
            started = time.perf_counter()
            failure: StepFailed | None = None
            try:
                await run_scenario(session, target, scenario, str(options.seed))
            except StepFailed as exc:
                failure = exc
            command = reproduce_command(scenario, options.seed, options.target)
            outcome = Outcome(scenario, time.perf_counter() - started, failure, command)
            outcomes.append(outcome)
            if on_outcome is not None:
                on_outcome(outcome)
    return outcomes
