"""Fault rule records, and the parser that turns a ``sim-fault-rule`` body (contracts/) into one."""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, field
from datetime import datetime
from typing import Any

from simulator.domain.catalog import find_partner
from simulator.domain.clock import parse_datetime
from simulator.errors import ConfigError, InvalidRequest, NotFound

__all__ = ["ERROR_CODES", "Effect", "FaultRule", "When", "parse_rule"]

# Graph-like error codes for injected statuses (reference/intune-mtd.md 5.1, 5.2).
ERROR_CODES = {
    429: "TooManyRequests",
    500: "generalException",
    502: "badGateway",
    503: "serviceNotAvailable",
    504: "gatewayTimeout",
}


@dataclass(frozen=True, slots=True)
class When:
    kind: str = "always"  # always | rate | nth | first | window
    rate: float = 1.0
    count: int = 1
    start: datetime | None = None
    end: datetime | None = None


@dataclass(frozen=True, slots=True)
class Effect:
    kind: str  # error | latency | transport
    status: int = 0
    retry_after: float | None = None
    code: str = ""
    message: str = ""
    latency: str = "fixed"
    seconds: float = 0.0
    low: float = 0.0
    high: float = 0.0
    median: float = 0.0
    sigma: float = 0.0
    transport: str = ""  # reset | emptyReply | truncatedBody | stall


@dataclass(frozen=True, slots=True)
class FaultRule:
    id: str
    route: str
    method: str | None
    tenant: str | None
    partner: str | None
    device: str | None
    when: When
    then: Effect
    times: int | None
    spec: Mapping[str, Any] = field(repr=False)

    def to_wire(self, matched: int, fired: int) -> dict[str, Any]:
        return {"id": self.id, **self.spec, "matched": matched, "fired": fired}


def parse_rule(spec: Mapping[str, Any], rule_id: str, now: datetime) -> FaultRule:
    """Build a rule from a body that already meets contract ``sim-fault-rule``; checks what a schema cannot."""
    match = spec["match"]
    then = spec["then"]
    return FaultRule(
        id=str(spec.get("id") or rule_id),
        route=match["route"],
        method=match.get("method"),
        tenant=match.get("tenant"),
        partner=_partner(match.get("partner")),
        device=match.get("device"),
        when=_when(spec.get("when"), now),
        then=_error(then["error"]) if "error" in then else
        _latency(then["latency"]) if "latency" in then else _transport(then["transport"]),
        times=spec.get("times"),
        spec={k: v for k, v in spec.items() if k not in ("matched", "fired")},
    )


def _when(body: Mapping[str, Any] | None, now: datetime) -> When:
    if not body:
        return When()
    if "rate" in body:
        return When("rate", rate=float(body["rate"]))
    if "nth" in body or "first" in body:
        kind = "nth" if "nth" in body else "first"
        return When(kind, count=int(body[kind]))
    window = body["window"]
    start, end = window.get("start"), window.get("end")
    when = When("window", start=_window_time(start, "start"), end=_window_time(end, "end"))
    if when.start and when.end and when.end <= when.start:
        raise _bad("/when/window/end", "end must be after start")
    return when


def _error(body: Mapping[str, Any]) -> Effect:
    status = int(body["status"])
    retry = body.get("retryAfter", 1 if status in (429, 503) else None)
    return Effect("error", status=status, retry_after=retry, code=str(body.get("code", ERROR_CODES[status])),
                  message=str(body.get("message", "Injected fault (mtdsim).")))


def _latency(body: Mapping[str, Any]) -> Effect:
    kind = body["distribution"]
    if kind == "uniform":
        if body["low"] > body["high"]:
            raise _bad("/then/latency/high", "high must be >= low")
        return Effect("latency", latency=kind, low=float(body["low"]), high=float(body["high"]))
    if kind == "lognormal":
        return Effect("latency", latency=kind, median=float(body["median"]), sigma=float(body["sigma"]))
    return Effect("latency", latency="fixed", seconds=float(body["seconds"]))


def _transport(body: Mapping[str, Any]) -> Effect:
    return Effect("transport", transport=body["kind"], seconds=float(body.get("seconds", 30.0)))


def _partner(value: str | None) -> str | None:
    if value is None:
        return None
    try:
        return find_partner(value).connector_id
    except NotFound:
        return value  # a custom partner's connector id


def _window_time(text: str | None, name: str) -> datetime | None:
    if not text:
        return None
    try:
        return parse_datetime(text)
    except ConfigError as exc:  # e.g. 0001-01-01T00:00:00+01:00, before year 1 in UTC
        raise _bad(f"/when/window/{name}", exc.message) from None


def _bad(pointer: str, message: str) -> InvalidRequest:
    return InvalidRequest("invalidRequest", message, target=pointer)
