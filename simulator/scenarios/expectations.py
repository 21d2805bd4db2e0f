"""Evaluate a step's ``expect`` against its exchange and against what the target says afterwards (device
compliance, connector state, journal, violations)."""

from __future__ import annotations

import dataclasses
import functools
import json
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
    # With alternatives and no status of its own, the status is the alternatives' to decide.
    if exchange is not None and not (expect is not None and expect.any_of and not expect.status):
        found += _status(expect.status if expect else (), exchange.status)
    if expect is None:
        return found
    if exchange is not None:
        found += _response(expect, exchange)
        found += _absent(expect.absent, exchange.response_body)
    if expect.any_of:
        found += await _any_of(ctx, expect.any_of, exchange)
    found += await _compliance(ctx, expect)
    found += await _connectors(ctx, expect)
    found += await _journal(ctx, expect)
    if expect.violations is not None:
        body = await ctx.control("GET", "/_sim/violations")
        items = body.get("value", body) if isinstance(body, dict) else body
        if len(items) != expect.violations:
            found.append(Mismatch("/_sim/violations", expect.violations, len(items), "violations recorded"))
    return found


async def _any_of(ctx: RunContext, alternatives: tuple[Expect, ...], exchange: Exchange | None) -> list[Mismatch]:
    """Nothing when one alternative holds entirely; else why each one failed, labelled by its index."""
    failures: list[Mismatch] = []
    for index, alternative in enumerate(alternatives):
        found = await evaluate(ctx, alternative, exchange)
        if not found:
            return []
        failures += [dataclasses.replace(m, pointer=f"any_of[{index}] {m.pointer}") for m in found]
    return failures


def _absent(unwanted: tuple[str, ...], body: Any) -> list[Mismatch]:
    """A pointer (``/...``) must not resolve; any other text must not occur anywhere in the body."""
    found: list[Mismatch] = []
    text = body if isinstance(body, str) else json.dumps(body, ensure_ascii=False)
    for item in unwanted:
        if item.startswith("/"):
            value = resolve(body, item)
            if value is not MISSING:
                found.append(Mismatch(item, "<absent>", value, "`absent`: this pointer must not resolve"))
        elif item in text:
            found.append(Mismatch("(body)", f"no {item!r}", _around(text, item), "`absent`: this text must not appear"))
    return found


def _around(text: str, item: str) -> str:
    at = text.index(item)
    return ("..." if at > 40 else "") + text[max(0, at - 40) : at + len(item) + 40] + "..."


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
        tenant_id = ctx.device_tenants.get(name, ctx.tenant_id)  # a device is read in its own tenant
        body = await ctx.control("GET", f"/_sim/tenants/{tenant_id}/devices/{aad}/compliance")
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
