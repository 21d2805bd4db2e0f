"""Partner certification: does an integration behave as Intune expects over a session, not only message by message?

Each check reads what the mock recorded (evidence from ``/_sim/certification``, stats, violations, journal) and
returns pass, fail or skipped (nothing to judge), with counts, examples and where the expectation comes from.
Thresholds that Microsoft does not publish are ours and labelled **modelled**.
"""

from __future__ import annotations

import itertools
from collections import Counter
from collections.abc import Callable, Iterable, Mapping, Sequence
from dataclasses import dataclass, field
from datetime import timedelta
from typing import Any, Literal

from simulator.domain.clock import parse_datetime

__all__ = ["CHECKS", "Check", "Evidence", "certify"]

Status = Literal["pass", "fail", "skipped"]
HEARTBEAT = "/partner/v1/heartbeat"
REPORTS = "/partner/v1/deviceThreatReports"
APP_SYNC = "/partner/v1/devices/{azureADDeviceId}/apps"
TOKEN_ROUTES = ("/{tenantId}/oauth2/v2.0/token", "/{tenantId}/oauth2/token")  # v2 and the v1 endpoint
# One token per request looks like this many requests or more with as many tokens as requests (modelled).
_TOKEN_SAMPLE = 10
# At fleet scale (this many report calls or more), fewer reports per call than this is one call per device (modelled).
_BATCH_SAMPLE, _MIN_BATCH = 20, 2.0
_EXAMPLES = 5


@dataclass(frozen=True, slots=True)
class Evidence:
    """What the mock recorded, as its control API returned it."""

    certification: Mapping[str, Any]  # GET /_sim/certification
    stats: Mapping[str, Any]  # GET /_sim/stats
    violations: Sequence[Mapping[str, Any]]  # GET /_sim/violations .value
    journal: Sequence[Mapping[str, Any]]  # GET /_sim/journal .value, newest first
    journal_dropped: int = 0
    window: str = "P1D"
    max_age: str = "PT15M"

    @property
    def connectors(self) -> list[Mapping[str, Any]]:
        return [c for t in self.certification.get("tenants", ()) for c in t["connectors"]]

    @property
    def partner_clients(self) -> set[str]:
        """Client ids of partner apps: those that called the partner channel."""
        return {e["clientId"] for e in self.journal if e.get("partner") and e.get("clientId")}

    def answers(self, route: str | tuple[str, ...], statuses: Iterable[int] | None = None) -> list[Mapping[str, Any]]:
        routes = (route,) if isinstance(route, str) else route
        wanted = set(statuses) if statuses is not None else None
        return [e for e in self.journal if e["route"] in routes and (wanted is None or e["status"] in wanted)]

    def rejected(self, code: str) -> int:
        return int(self.stats.get("traffic", {}).get("reportsRejected", {}).get(code, 0))


@dataclass(frozen=True, slots=True)
class Check:
    id: str
    title: str
    status: Status
    kind: Literal["documented", "modelled"]
    source: str
    evidence: Mapping[str, Any] = field(default_factory=dict)
    examples: tuple[str, ...] = ()

    @property
    def failed(self) -> bool:
        return self.status == "fail"

    def to_json(self) -> dict[str, Any]:
        return {"id": self.id, "title": self.title, "status": self.status, "kind": self.kind, "source": self.source,
                "evidence": dict(self.evidence), "examples": list(self.examples)}  # fmt: skip


def _verdict(failed: bool, judged: bool = True) -> Status:
    return "skipped" if not judged else "fail" if failed else "pass"


def heartbeats(ev: Evidence) -> Check:
    now = parse_datetime(ev.certification["now"])
    worst: list[tuple[timedelta, str, int]] = []
    counts: dict[str, int] = {}
    for connector in ev.connectors:
        answered = ev.answers(HEARTBEAT, [200])
        times = sorted(parse_datetime(e["time"]) for e in answered if e["partner"] == connector["id"])
        counts[connector["id"]] = len(times)
        gaps = [later - earlier for earlier, later in itertools.pairwise(times)] + (
            [now - times[-1]] if times else [timedelta.max])  # fmt: skip
        worst.append((max(gaps), connector["id"], connector["partnerUnresponsivenessThresholdInDays"]))
    failing = [w for w in worst if w[0] > timedelta(days=w[2])]
    examples = tuple(
        f"connector {cid}: " + ("never sent a heartbeat" if gap == timedelta.max else f"{gap} without a heartbeat")
        + f" (threshold {days} days)" for gap, cid, days in failing
    )
    longest = {cid: ("never" if gap == timedelta.max else str(gap)) for gap, cid, _ in worst}
    return Check(
        "heartbeats", "heartbeats come within the unresponsive threshold", _verdict(bool(failing), bool(worst)),
        "documented", "Intune MTD overview: a partner is Unresponsive after partnerUnresponsivenessThresholdInDays "
        "without a heartbeat, and its data is then ignored",
        {"heartbeats": counts, "longestGap": longest, "journalDropped": ev.journal_dropped}, examples[:_EXAMPLES],
    )  # fmt: skip


def devices_reported(ev: Evidence) -> Check:
    expected = sum(c["devicesExpected"] for c in ev.connectors)
    missing = sum(c["devicesMissing"] for c in ev.connectors)
    examples = tuple(
        f"{g['azureADDeviceId']} ({g['platform']}): last report "
        + (g["lastReceivedDateTime"] or "never") for c in ev.connectors for g in c["missingExamples"]
    )
    return Check(
        "devicesReported", f"every enrolled, registered device of an enabled platform reported within {ev.window}",
        _verdict(missing > 0, expected > 0), "documented",
        "Intune connector toggle 'mark noncompliant if no data is received' (the window is modelled: --report-window)",
        {"devicesExpected": expected, "devicesMissing": missing}, examples[:_EXAMPLES],
    )  # fmt: skip


def rejections_heeded(ev: Evidence) -> Check:
    unregistered = sum(_per_tenant(ev, "unregisteredDevices"))
    disabled = sum(_per_tenant(ev, "devicesOnDisabledPlatforms"))
    not_registered, not_enabled = ev.rejected("deviceNotRegistered"), ev.rejected("platformNotEnabled")
    examples = []
    if not_registered > unregistered:
        examples.append(f"{not_registered} deviceNotRegistered rejections for {unregistered} unregistered devices")
    if not_enabled > disabled:
        examples.append(f"{not_enabled} platformNotEnabled rejections for {disabled} devices on disabled platforms")
    return Check(
        "rejectionsHeeded", "no reports for unregistered devices or disabled platforms after the first rejection",
        _verdict(bool(examples), bool(ev.connectors)), "modelled",
        "the classic CA rule (a device needs an Azure AD id) and the platform toggles are documented; judging "
        "'after the first rejection' as at most one rejection per such device is ours",
        {"deviceNotRegistered": not_registered, "unregisteredDevices": unregistered,
         "platformNotEnabled": not_enabled, "devicesOnDisabledPlatforms": disabled}, tuple(examples),
    )  # fmt: skip


def _per_tenant(ev: Evidence, key: str) -> list[int]:
    """Per tenant, a tenant-wide count its connectors all carry (counted once per tenant)."""
    return [max((c[key] for c in t["connectors"]), default=0) for t in ev.certification.get("tenants", ())]


def reports_match_enrolment(ev: Evidence) -> Check:
    mismatch, unknown = ev.rejected("platformMismatch"), ev.rejected("deviceNotFound")
    counted = (("platformMismatch", mismatch), ("deviceNotFound", unknown))
    examples = tuple(f"{n} {code} rejections" for code, n in counted if n)
    return Check(
        "reportsMatchEnrolment", "reports name enrolled devices with their enrolled platform",
        _verdict(bool(examples), bool(ev.connectors)), "modelled",
        "partners receive each device's azureADDeviceId and platform from Intune (app config); the codes are ours",
        {"platformMismatch": mismatch, "deviceNotFound": unknown}, examples,
    )  # fmt: skip


def app_sync_allowed(ev: Evidence) -> Check:
    calls = ev.answers(APP_SYNC)
    refused = [e for e in calls if e["status"] == 403]
    examples = tuple(f"{e['time']} GET {e['path']} answered 403" for e in refused[:_EXAMPLES])
    return Check(
        "appSyncAllowed", "App Sync only while allowed (and personal inventory only when allowed)",
        _verdict(bool(refused), bool(calls)), "documented",
        "Intune connector toggles 'App Sync for iOS devices' and 'Send full application inventory data on personally "
        "owned iOS devices' (the mock returns managed apps only for personal devices unless allowed)",
        {"appSyncCalls": len(calls), "refused": len(refused)}, examples,
    )  # fmt: skip


def tokens_reused(ev: Evidence) -> Check:
    clients = ev.partner_clients
    tokens = Counter(e["clientId"] for e in ev.answers(TOKEN_ROUTES, [200]) if e.get("clientId") in clients)
    calls = Counter(e["clientId"] for e in ev.journal if e.get("partner") and e.get("clientId") in clients)
    unauthorized = [e for e in ev.journal if e.get("clientId") in clients and e["status"] == 401]
    # A 401 on the partner channel carries no client id when the token could not be read: count those too.
    unauthorized += [e for e in ev.journal if e["route"].startswith("/partner/") and e["status"] == 401
                     and not e.get("clientId")]  # fmt: skip
    per_request = [c for c in clients if calls[c] >= _TOKEN_SAMPLE and tokens[c] >= calls[c]]
    examples = [f"client {c}: {tokens[c]} tokens for {calls[c]} requests" for c in per_request]
    examples += [f"{e['time']} {e['method']} {e['route']} answered 401" for e in unauthorized[:_EXAMPLES]]
    return Check(
        "tokensReused", "tokens reused until near expiry and refreshed before they expire",
        _verdict(bool(per_request or unauthorized), bool(clients) or bool(unauthorized)), "documented",
        "Entra client credentials: a token is valid for expires_in seconds (MSAL caches it); one per request "
        f"(>= {_TOKEN_SAMPLE} requests) is our threshold",
        {"tokensIssued": dict(tokens), "partnerRequests": dict(calls), "unauthorized": len(unauthorized)},
        tuple(examples[:_EXAMPLES]),
    )  # fmt: skip


def _batch_size_violations(ev: Evidence) -> list[Mapping[str, Any]]:
    return [v for v in ev.violations if v["code"] == "contractViolation" and v.get("route") == f"POST {REPORTS}"
            and v.get("pointer") == "/reports"]  # fmt: skip


def batching(ev: Evidence) -> Check:
    traffic = ev.stats.get("traffic", {})
    batches = int(traffic.get("reportBatches", 0))
    reports = int(traffic.get("reportsAccepted", 0)) + int(traffic.get("reportsDuplicate", 0)) + sum(
        traffic.get("reportsRejected", {}).values())
    oversized = _batch_size_violations(ev) + ev.answers(REPORTS, [413])
    mean = reports / batches if batches else 0.0
    one_by_one = batches >= _BATCH_SAMPLE and mean < _MIN_BATCH
    examples = [f"{v.get('route', 'POST ' + REPORTS)}: {v.get('message', 'answered 413')}"
                for v in oversized[:_EXAMPLES]]  # fmt: skip
    if one_by_one:
        examples.append(f"{reports} reports in {batches} calls: {mean:.2f} per call")
    return Check(
        "batching", "reports go in batches of 1 to 1000, several per call at fleet scale",
        _verdict(bool(oversized) or one_by_one, batches > 0 or bool(oversized)), "modelled",
        f"the partner channel takes 1..1000 reports per call; fewer than {_MIN_BATCH:g} per call over "
        f"{_BATCH_SAMPLE}+ calls is our threshold",
        {"batches": batches, "reports": reports, "meanBatch": round(mean, 2), "refusedForSize": len(oversized)},
        tuple(examples),
    )  # fmt: skip


def retry_after_honoured(ev: Evidence) -> Check:
    ignored = [v for v in ev.violations if v["code"] == "retryAfterNotHonoured"]
    total = int(ev.stats.get("violationsByCode", {}).get("retryAfterNotHonoured", len(ignored)))
    throttled = [e for e in ev.journal if e["status"] in (429, 503)]
    server_errors = [e for e in ev.journal if e["status"] >= 500]
    by_client = Counter(str(v.get("clientId")) for v in ignored)
    return Check(
        "retryAfterHonoured", "Retry-After honoured (per client) and back-off on 5xx",
        _verdict(total > 0, bool(throttled) or total > 0), "documented",
        "Microsoft Graph throttling guidance: wait the Retry-After seconds; back-off on 5xx is judged only through "
        "Retry-After (the mock's clock cannot time a client's pauses)",
        {"throttledAnswers": len(throttled), "serverErrors": len(server_errors), "retryAfterNotHonoured": total,
         "byClient": dict(by_client)},
        tuple(str(v.get("message", "")) for v in ignored[:_EXAMPLES]),
    )  # fmt: skip


def reports_fresh(ev: Evidence) -> Check:
    old = sum(c["reportsOlderThanMaxAge"] for c in ev.connectors)
    stale, skew = ev.rejected("staleReport"), ev.rejected("clockSkew")
    stored = sum(c["reportsStored"] for c in ev.connectors)
    examples = [f"{x['azureADDeviceId']}: reported {x['reportedDateTime']}, received {x['receivedDateTime']}"
                for c in ev.connectors for x in c["oldReportExamples"]]  # fmt: skip
    examples += [f"{n} {code} rejections" for code, n in (("staleReport", stale), ("clockSkew", skew)) if n]
    return Check(
        "reportsFresh", f"reports arrive fresh: at most {ev.max_age} old, never older than the last one, never ahead",
        _verdict(bool(old or stale or skew), bool(stored or stale or skew)), "modelled",
        "the maximum age (--max-report-age) and the staleReport/clockSkew rules are ours",
        {"reportsStored": stored, "olderThanMaxAge": old, "staleReport": stale, "clockSkew": skew},
        tuple(examples[:_EXAMPLES]),
    )  # fmt: skip


def contracts(ev: Evidence) -> Check:
    sized = {id(v) for v in _batch_size_violations(ev)}
    broken = [v for v in ev.violations if v["code"] == "contractViolation" and id(v) not in sized]
    return Check(
        "contracts", "every message matches its contract", _verdict(bool(broken)), "modelled",
        "contracts/*.schema.json (Graph shapes documented, partner channel modelled); batch sizes are judged by "
        "`batching`",
        {"contractViolations": len(broken)},
        tuple(f"{v.get('route')} {v.get('pointer', '')}: {v.get('message', '')}" for v in broken[:_EXAMPLES]),
    )  # fmt: skip


CHECKS: tuple[Callable[[Evidence], Check], ...] = (
    heartbeats, devices_reported, rejections_heeded, reports_match_enrolment, app_sync_allowed, tokens_reused,
    batching, retry_after_honoured, reports_fresh, contracts,
)


def certify(evidence: Evidence) -> list[Check]:
    return [check(evidence) for check in CHECKS]
