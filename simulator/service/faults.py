"""Fault rules (DESIGN 3.5): which requests fail, how, and the Retry-After bookkeeping behind them.

A rule is ``{match: {route, method?, partner?, device?}, when: {rate | nth | first | window}, times?, then}``;
the wire format is in docs/configuration.md. Randomness comes from the instance's seeded ``random.Random``.
Retry-After and throttling windows run on wall time (monotonic): clients wait real seconds, whatever the virtual
clock says.
"""

from __future__ import annotations

import fnmatch
import itertools
import math
import random
import time
from collections.abc import Mapping
from dataclasses import dataclass
from datetime import datetime
from typing import Any

from aiohttp import web

from simulator.service.fault_rules import Effect, FaultRule, parse_rule
from simulator.service.token import TAIL

__all__ = ["THROTTLE_LIMITS", "Effect", "FaultBook", "FaultRule", "Target", "receiver_keys"]

_RETRY_MEMORY = 10_000  # remembered Retry-After deadlines; the oldest go first
# Intune service limits per 20 s (reference/intune-mtd.md 5.2): (writes, any) per tenant and per app in a tenant.
THROTTLE_LIMITS = {"tenant": (200, 2000), "app": (100, 1000)}
THROTTLE_PERIOD = 20.0


@dataclass(slots=True)
class _Counters:
    matched: int = 0
    fired: int = 0


class FaultBook:
    """Installed rules plus the memory needed to judge them (match counts, Retry-After deadlines, windows)."""

    def __init__(self, rng: random.Random, max_delay: float, *, throttling: bool = False) -> None:
        self._rng = rng
        self.max_delay = max_delay
        self.throttling_default = throttling
        self.throttling = throttling
        self.rules: dict[str, FaultRule] = {}
        self._counters: dict[str, _Counters] = {}
        self._ids = itertools.count(1)
        self._retry_after: dict[tuple[str, str], float] = {}
        self._windows: dict[tuple[str, ...], tuple[float, int]] = {}

    def clear(self) -> None:
        self.rules.clear()
        self._counters.clear()
        self._retry_after.clear()
        self._windows.clear()
        self.throttling = self.throttling_default

    def install(self, spec: Mapping[str, Any], now: datetime) -> FaultRule:
        """Install a rule (body already valid against ``sim-fault-rule``); an existing id is replaced."""
        rule = parse_rule(spec, f"fault-{next(self._ids)}", now)
        self.rules[rule.id] = rule
        self._counters[rule.id] = _Counters()
        return rule

    @property
    def idle(self) -> bool:
        """Nothing to do per request: the hot path skips fault handling entirely."""
        return not (self.rules or self.throttling or self._retry_after)

    def delete(self, rule_id: str) -> bool:
        self._counters.pop(rule_id, None)
        return self.rules.pop(rule_id, None) is not None

    def counters(self, rule_id: str) -> tuple[int, int]:
        c = self._counters[rule_id]
        return c.matched, c.fired

    def pick(self, target: Target, now: datetime) -> FaultRule | None:
        """The first installed rule that matches this request and decides to fire now."""
        for rule in self.rules.values():
            if _matches(rule, target) and self._fires(rule, now):
                return rule
        return None

    def _fires(self, rule: FaultRule, now: datetime) -> bool:
        counters = self._counters[rule.id]
        if rule.times is not None and counters.fired >= rule.times:
            return False
        counters.matched += 1
        n, when = counters.matched, rule.when
        if when.kind == "rate":
            fire = self._rng.random() < when.rate
        elif when.kind == "nth":
            fire = n % when.count == 0
        elif when.kind == "first":
            fire = n <= when.count
        elif when.kind == "window":
            fire = (when.start is None or when.start <= now) and (when.end is None or now < when.end)
        else:
            fire = True
        counters.fired += fire
        return fire

    def delay(self, effect: Effect) -> float:
        """Seconds to wait for a latency or stall effect, capped at ``max_delay``."""
        if effect.latency == "uniform":
            seconds = self._rng.uniform(effect.low, effect.high)
        elif effect.latency == "lognormal":
            seconds = effect.median * math.exp(effect.sigma * self._rng.gauss(0.0, 1.0))
        else:
            seconds = effect.seconds
        return min(max(seconds, 0.0), self.max_delay)

    # -- Retry-After -------------------------------------------------------------------------------------------

    def note_retry_after(self, client: str, route: str, seconds: float) -> None:
        if len(self._retry_after) >= _RETRY_MEMORY:
            del self._retry_after[next(iter(self._retry_after))]
        self._retry_after[(client, route)] = time.monotonic() + seconds

    def retry_too_early(self, client: str, route: str) -> float | None:
        """Seconds still to wait if this client ignored a Retry-After for this route, else None."""
        deadline = self._retry_after.get((client, route))
        if deadline is None:
            return None
        left = deadline - time.monotonic()
        if left <= 0:
            del self._retry_after[(client, route)]
            return None
        return left

    # -- Graph-like throttling -----------------------------------------------------------------------------------

    def throttle(self, tenant: str, client_id: str, write: bool) -> float | None:
        """Count a request against Intune's 20 s limits; seconds to wait when a limit is exceeded."""
        clock = time.monotonic()
        buckets = [(("tenant", tenant), "tenant"), (("app", tenant, client_id), "app")]
        for key, scope in buckets:
            for kind in (("write",) if write else ()) + ("any",):
                limit = THROTTLE_LIMITS[scope][0 if kind == "write" else 1]
                wait = self._count((*key, kind), limit, clock)
                if wait is not None:
                    return wait
        return None

    def _count(self, key: tuple[str, ...], limit: int, clock: float) -> float | None:
        start, count = self._windows.get(key, (clock, 0))
        if clock - start >= THROTTLE_PERIOD:
            start, count = clock, 0
        if count >= limit:
            return THROTTLE_PERIOD - (clock - start)
        self._windows[key] = (start, count + 1)
        return None


@dataclass(frozen=True, slots=True)
class Target:
    """What a fault rule can match on; caller facts come from the bearer token when there is one."""

    method: str
    route: str
    path: str
    tenant: str | None = None
    partner: str | None = None
    device: str | None = None
    client_id: str | None = None


def _matches(rule: FaultRule, target: Target) -> bool:
    if rule.method is not None and rule.method != target.method:
        return False
    if rule.route != "*" and rule.route not in (target.route, target.path) and not (
        fnmatch.fnmatchcase(target.path, rule.route) or fnmatch.fnmatchcase(target.route, rule.route)
    ):
        return False
    if rule.tenant is not None and rule.tenant != target.tenant:
        return False
    if rule.partner is not None and rule.partner != target.partner:
        return False
    return rule.device is None or rule.device == target.device


def receiver_keys(request: web.Request) -> tuple[str, ...]:
    """Who received a Retry-After, so only that client is held to it: its bearer token and its connection. A
    request on either (the same token on a new connection, or a refreshed token on the same keep-alive connection)
    is the same client; an app's other workers, with tokens and connections of their own, never saw the Retry-After
    and are not accused of ignoring it (issue 15 item 7). Throttling still counts per app."""
    peer = request.transport.get_extra_info("peername") if request.transport is not None else None
    connection = f"connection:{peer if peer is not None else request.remote}"
    token = request.headers.get("Authorization", "")
    return (f"token:{token[-TAIL:]}", connection) if token else (connection,)  # a token's tail: its signature
