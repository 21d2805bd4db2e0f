"""Run scenarios against a target: build ``given``, then each step (action, retry, expectations, save).

A failing step raises StepFailed with the file line, the step, the exchange and every mismatch; anything the
runner had to do on the scenario's behalf that failed (setup, tokens) raises StepFailed too, located at ``given``
or at the step that needed it.
"""

from __future__ import annotations

import asyncio
import dataclasses
import time
from dataclasses import dataclass
from typing import Any

import aiohttp

from simulator.domain.clock import parse_datetime
from simulator.errors import Mismatch, ScenarioError, StepFailed
from simulator.scenarios.actions import ACTION_HANDLERS
from simulator.scenarios.context import RunContext, SetupFailed
from simulator.scenarios.exchange import Exchange
from simulator.scenarios.expectations import evaluate
from simulator.scenarios.model import Expect, Scenario, Step
from simulator.scenarios.setup import apply_given
from simulator.scenarios.variables import saved_value, substitute

__all__ = ["Target", "run_scenario"]

_MAX_ATTEMPTS = 1000


@dataclass(frozen=True, slots=True)
class Target:
    """Where scenarios run: a base URL and its control key."""

    base_url: str
    control_key: str
    reset: bool = True


async def run_scenario(session: aiohttp.ClientSession, target: Target, scenario: Scenario, seed: str) -> None:
    """Run one scenario; raises StepFailed at the first step whose expectations do not hold."""
    ctx = RunContext(session, target.base_url, target.control_key, seed, parse_datetime(scenario.given.clock))
    try:
        await apply_given(ctx, scenario, reset=target.reset)
    except (SetupFailed, ScenarioError) as exc:
        raise _failed(scenario, scenario.line, "given", exc) from exc
    for step in scenario.steps:
        await _run_step(ctx, scenario, step)


async def _run_step(ctx: RunContext, scenario: Scenario, step: Step) -> None:
    exchange: Exchange | None = None
    ctx.act_in(step.tenant)
    try:
        names = {**ctx.builtin_variables(), **ctx.variables}
        args = substitute(step.args, names)
        expect = _with_names(step.expect, names)
        exchange, mismatches = await _attempts(ctx, step, args)
        mismatches = mismatches or await evaluate(ctx, expect, exchange)
        if mismatches:
            raise StepFailed(
                f"{len(mismatches)} expectation(s) failed",
                path=scenario.path, line=step.line, step=step.title,
                request=exchange, response=exchange.response_body if exchange else None, mismatches=mismatches,
            )
        for name, where in step.save.items():
            if exchange is None:
                raise ScenarioError("`check` sends no request: nothing to save from")
            ctx.variables[name] = saved_value(exchange, where)
    except (SetupFailed, ScenarioError) as exc:
        if isinstance(exc, StepFailed):
            raise
        raise _failed(scenario, step.line, step.title, exc, exchange) from exc


async def _attempts(ctx: RunContext, step: Step, args: Any) -> tuple[Exchange | None, list[Mismatch]]:
    """Send the action once, or with ``retry`` until ``until`` holds: (last exchange, mismatches that end it)."""
    handler = ACTION_HANDLERS[step.action]
    if step.retry is None:
        return await handler(ctx, args), []
    retry = step.retry
    deadline = time.monotonic() + retry.timeout
    for _ in range(_MAX_ATTEMPTS):
        exchange = await handler(ctx, args)
        if retry.fail_if is not None and not await evaluate(ctx, retry.fail_if, exchange):
            return exchange, [Mismatch("(retry.fail_if)", "fail_if not to hold", "it held", "gave up early")]
        pending = await evaluate(ctx, retry.until, exchange)
        if not pending or time.monotonic() + retry.interval > deadline:
            return exchange, pending
        await asyncio.sleep(retry.interval)
    return exchange, pending


def _with_names(expect: Expect | None, names: dict[str, Any]) -> Expect | None:
    if expect is None:
        return None
    return dataclasses.replace(
        expect,
        json=substitute(expect.json, names),
        headers=substitute(expect.headers, names),
        absent=tuple(str(text) for text in substitute(list(expect.absent), names)),
        any_of=tuple(alternative for a in expect.any_of if (alternative := _with_names(a, names)) is not None),
    )


def _failed(
    scenario: Scenario, line: int, step: str, exc: Exception, exchange: Exchange | None = None
) -> StepFailed:
    exchange = getattr(exc, "exchange", None) or exchange
    body = exchange.response_body if exchange is not None else None
    return StepFailed(str(exc), path=scenario.path, line=line, step=step, request=exchange, response=body)
