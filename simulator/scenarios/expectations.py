"""Evaluate a step's ``expect`` against its exchange and against what the target says afterwards (device
compliance, connector state, journal, violations)."""

from __future__ import annotations

import functools
from typing import Any
from urllib.parse import urlencode

from simulator.errors import Mismatch
from simulator.scenarios.context import ADMIN, RunContext
from simulator.scenarios.exchange import Exchange
from simulator.scenarios.matching import MISSING, resolve, subset_mismatches
from simulator.scenarios.model import Expect

__all__ = ["evaluate"]


async def evaluate(ctx: RunContext, expect: Expect | None, exchange: Exchange | None) -> list[Mismatch]:
    """Every mismatch of ``expect``; without ``expect`` a request only has to succeed (2xx)."""
    found: list[Mismatch] = []
    if exchange is not None:
        found += _status(expect.status if expect else (), exchange.status)
    if expect is None:
        return found
    if exchange is not None:
        found += _response(expect, exchange)
    found += await _compliance(ctx, expect)
    found += await _connectors(ctx, expect)
    found += await _journal(ctx, expect)
    if expect.violations is not None:
        body = await ctx.control("GET", "/_sim/violations")
        items = body.get("value", body) if isinstance(body, dict) else body
        if len(items) != expect.violations:
            found.append(Mismatch("/_sim/violations", expect.violations, len(items), "violations recorded"))
    return found


def _status(wanted: tuple[int, ...], status: int) -> list[Mismatch]:
    if wanted:
        shown: Any = wanted[0] if len(wanted) == 1 else list(wanted)
        return [] if status in wanted else [Mismatch("(status)", shown, status)]
    return [] if 200 <= status < 300 else [Mismatch("(status)", "2xx", status, "no `expect.status`: a 2xx is expected")]


def _response(expect: Expect, exchange: Exchange) -> list[Mismatch]:
    found: list[Mismatch] = []
    body = exchange.response_body
    if expect.has_json:
        found += subset_mismatches(expect.json, body)
    if expect.schema is not None:
        for problem in _contracts().problems(expect.schema, body):
            value = resolve(body, problem.pointer)
            found.append(Mismatch(problem.pointer, f"contract {expect.schema}", value, problem.message))
    headers = {k.lower(): v for k, v in exchange.response_headers.items()}
    for name, value in expect.headers.items():
        got = headers.get(name.lower(), MISSING)
        if got != str(value):
            found.append(Mismatch(f"(header {name})", value, got))
    return found


@functools.cache
def _contracts() -> Any:
    # Imported late: loading and compiling every contract is only worth it when a scenario asks for one.
    from simulator.contracts import default_contracts

    return default_contracts()


async def _compliance(ctx: RunContext, expect: Expect) -> list[Mismatch]:
    found: list[Mismatch] = []
    for name, wanted in expect.compliance.items():
        aad = ctx.device_id(name)
        body = await ctx.control("GET", f"/_sim/tenants/{ctx.tenant_id}/devices/{aad}/compliance")
        state = body.get("complianceState")
        reasons = body.get("reasons", [])
        why = "; ".join(f"{r.get('rule')}: {r.get('detail')}" for r in reasons)
        if state != wanted.state:
            found.append(Mismatch(f"device {name}: /complianceState", wanted.state, state, f"reasons: {why}"))
        if wanted.rule is not None and all(r.get("rule") != wanted.rule for r in reasons):
            rules = [r.get("rule") for r in reasons]
            found.append(Mismatch(f"device {name}: /reasons/*/rule", wanted.rule, rules, f"reasons: {why}"))
    return found


async def _connectors(ctx: RunContext, expect: Expect) -> list[Mismatch]:
    found: list[Mismatch] = []
    for partner, wanted in expect.connectors.items():
        path = f"/beta/deviceManagement/mobileThreatDefenseConnectors/{ctx.connector_id(partner)}"
        exchange = await ctx.call("GET", path, auth=ADMIN)
        body: Any = exchange.response_body if exchange.status == 200 else {"(status)": exchange.status}
        for mismatch in subset_mismatches(wanted, body):
            found.append(Mismatch(f"connector {partner}: {mismatch.pointer}", mismatch.expected, mismatch.actual))
    return found


async def _journal(ctx: RunContext, expect: Expect) -> list[Mismatch]:
    if expect.journal is None:
        return []
    wanted = dict(expect.journal)
    count = wanted.pop("count")
    # Not scoped to the scenario's tenant: a faulted request is answered before its token is read. The runner
    # resets the target before each scenario, so the journal holds this scenario's requests only.
    query: dict[str, str] = {"limit": "10000"}
    for key, value in wanted.items():
        by_name = {"partner": ctx.connector_id, "device": ctx.device_id}.get(key)
        query[key] = by_name(value) if by_name else str(value)
    body = await ctx.control("GET", f"/_sim/journal?{urlencode(query)}")
    items = body.get("value", body) if isinstance(body, dict) else body
    if len(items) == count:
        return []
    return [Mismatch(f"journal {urlencode(wanted)}", count, len(items), "journal entries")]
