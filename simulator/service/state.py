"""All mutable state of one mock instance: tenants, app registrations, clock, journal, violations, stats.

Journal and violations are ring buffers with running totals, so a long soak holds steady memory.
"""

from __future__ import annotations

import itertools
import logging
import random
import secrets
from collections import Counter, deque
from collections.abc import Callable, Iterable, Iterator
from dataclasses import dataclass, field
from datetime import UTC, datetime
from typing import TYPE_CHECKING, Any, Generic, NamedTuple, TypeVar

from simulator.dashboard.timeline import Timeline
from simulator.domain.catalog import CATALOG, Partner
from simulator.domain.clock import VirtualClock, format_datetime
from simulator.domain.tenant import Tenant
from simulator.entra.credentials import AppCertificate, load_certificate
from simulator.entra.keys import KeySet
from simulator.query.cursor import CursorCodec
from simulator.service.config import AppSpec, TenantSpec
from simulator.service.devices import devices_from_wire
from simulator.service.faults import FaultBook
from simulator.service.settings import Settings
from simulator.service.token import TokenCache
from simulator.service.traffic import TrafficCounters

if TYPE_CHECKING:
    from simulator.contracts import ContractSet

__all__ = [
    "STORED_TEXT_LIMIT",
    "AppRegistration",
    "Journal",
    "JournalEntry",
    "RequestIds",
    "RequestInfo",
    "Ring",
    "ServiceState",
    "Violation",
]

log = logging.getLogger("mtdsim.service")
T = TypeVar("T")
# Characters kept of any string a client controls that the state stores (a violation's message or pointer, a
# journalled client-request-id): a 1M-character key must not cost 2 MB per violation (DESIGN 7).
STORED_TEXT_LIMIT = 512


@dataclass(frozen=True, slots=True)
class AppRegistration:
    """An app registered in one tenant. ``registration`` is new each time it is registered: its tokens carry it
    (claim ``rh``), so registering the app again invalidates the old ones. ``certificates`` verify client assertions.
    """

    tenant_id: str
    client_id: str
    client_secret: str
    kind: str  # "partner" | "admin"
    connector_id: str | None
    partner_key: str | None
    registration: str = field(repr=False)
    certificates: tuple[AppCertificate, ...] = field(default=(), repr=False)

    def to_wire(self) -> dict[str, Any]:
        return {
            "tenantId": self.tenant_id,
            "clientId": self.client_id,
            "clientSecret": self.client_secret,
            "kind": self.kind,
            "connectorId": self.connector_id,
            "partner": self.partner_key,
        }


@dataclass(slots=True)
class RequestInfo:
    """What one request is about, filled in as it is learnt (auth, handler) and read by the journal.

    ``now`` is the virtual clock when the request arrived: token expiry and the report rules judge the request at
    that instant, and the journal records it (read once: the clock is read on every request, several times).
    ``route`` is the route template (the path when no route matched). ``state`` and ``contracts`` are the app's, so
    helpers on the report path reach them without ``request.app[...]`` (a property and a lookup, several per request).
    """

    request_id: str
    client_request_id: str
    now: datetime
    route: str
    state: ServiceState = field(repr=False)
    contracts: ContractSet = field(repr=False)
    tenant: str | None = None
    partner: str | None = None  # connector id
    client_id: str | None = None
    device: str | None = None
    body: bytes | None = None  # the JSON body read_json parsed (the dashboard's report history keeps it)


class JournalEntry(NamedTuple):
    """One answered request. A NamedTuple, not a frozen dataclass: one is built per request, at a third the cost."""

    time: datetime
    method: str
    route: str
    path: str
    status: int
    duration_ms: float
    request_id: str
    tenant: str | None
    partner: str | None
    client_id: str | None
    device: str | None
    client_request_id: str | None = None  # as the client sent it (None when it sent none), so a retry can be matched

    def to_wire(self) -> dict[str, Any]:
        return {
            "time": format_datetime(self.time),
            "method": self.method,
            "route": self.route,
            "path": self.path,
            "status": self.status,
            "durationMs": round(self.duration_ms, 3),
            "requestId": self.request_id,
            "tenant": self.tenant,
            "partner": self.partner,
            "clientId": self.client_id,
            "device": self.device,
            "clientRequestId": self.client_request_id,
        }


@dataclass(frozen=True, slots=True)
class Violation:
    """Something a client did wrong (a contract breach, an ignored Retry-After), kept for the conformance report."""

    code: str
    message: str
    route: str
    time: str
    pointer: str | None = None
    client_id: str | None = None
    address: str | None = None  # the client's IP address, when the request had one
    token: str | None = None  # a fingerprint of the bearer token sent (never the token), to tell instances apart

    def to_wire(self) -> dict[str, Any]:
        wire: dict[str, Any] = {"code": self.code, "message": self.message, "route": self.route, "time": self.time}
        if self.pointer is not None:
            wire["pointer"] = self.pointer
        if self.client_id is not None:
            wire["clientId"] = self.client_id
        if self.address is not None:
            wire["address"] = self.address
        if self.token is not None:
            wire["token"] = self.token
        return wire


class Ring(Generic[T]):
    """A bounded list that keeps the newest items and counts all it ever saw."""

    def __init__(self, size: int) -> None:
        self._items: deque[T] = deque(maxlen=size)
        self.total = 0

    def append(self, item: T) -> None:
        self._items.append(item)
        self.total += 1

    def clear(self) -> None:
        self._items.clear()
        self.total = 0

    def restore(self, items: Iterable[T], total: int) -> None:
        """Back to a saved ring (simulator.store): its newest items and the count it had seen."""
        self._items.clear()
        self._items.extend(items)
        self.total = max(total, len(self._items))

    @property
    def dropped(self) -> int:
        return self.total - len(self._items)

    def __iter__(self) -> Iterator[T]:
        return iter(self._items)

    def __len__(self) -> int:
        return len(self._items)


class Journal(Ring[tuple[Any, ...]]):
    """The answered requests, as rows in ``JournalEntry``'s field order, read back as ``JournalEntry`` records.

    Plain tuples because one is stored per request: building one is a fraction of a NamedTuple call, and CPython's
    collector stops tracking a tuple of plain values, where it re-scanned 10,000 NamedTuples at every collection.
    """

    def entries(self) -> Iterator[JournalEntry]:
        """Oldest first."""
        return map(JournalEntry._make, self)


class ServiceState:
    """One instance's world. ``reset()`` returns to the configured tenants and apps and clears the rest."""

    def __init__(self, settings: Settings) -> None:
        self.settings = settings
        self.clock = VirtualClock(settings.clock_start, ticking=settings.clock_ticking)
        self.random = random.Random(settings.seed)
        self.tenants: dict[str, Tenant] = {}
        self.apps: dict[tuple[str, str], AppRegistration] = {}
        self.journal = Journal(settings.journal_size)
        self.violations: Ring[Violation] = Ring(settings.violations_size)
        # Counted beyond the ring, so a conformance report over a long soak still has every code's total.
        self.violations_by_code: Counter[str] = Counter()
        self.self_check_failures: Ring[str] = Ring(100)
        self.status_counts: Counter[int] = Counter()
        self.tokens_issued = 0
        self.traffic = TrafficCounters()
        self.timeline = Timeline()  # what the dashboard draws over virtual time
        # Signing keys outlive reset (as configured apps do), so tokens issued before a reset still verify after it.
        self.keys = KeySet(settings.signing_key)
        self.tokens = TokenCache(settings.token_cache_size, self.keys)
        self.faults = FaultBook(self.random, settings.max_fault_delay, throttling=settings.throttling)
        self.next_request_id: Callable[[], str] = RequestIds(settings.seed).next
        # Configured apps keep their registration across reset, so a token issued before a reset still works after it.
        self._configured_registrations: dict[tuple[str, str], str] = {}
        self.cursors = CursorCodec(secrets.token_bytes(32))  # signs $skiptoken cursors (simulator/query/cursor.py)
        self.reset()

    def reset(self) -> None:
        # Back to the configured start; with none configured ("now"), to the wall clock's now (docs/configuration.md).
        self.clock.set(self.settings.clock_start or datetime.now(UTC), ticking=self.settings.clock_ticking)
        self.random.seed(self.settings.seed)
        self.tenants.clear()
        self.apps.clear()
        self.journal.clear()
        self.violations.clear()
        self.violations_by_code.clear()
        self.self_check_failures.clear()
        self.status_counts.clear()
        self.tokens_issued = 0
        self.traffic.clear()
        self.timeline.clear()
        self.tokens.clear()
        self.faults.clear()
        for spec in self.settings.config.tenants:
            self._load_tenant(spec)

    def _load_tenant(self, spec: TenantSpec) -> None:
        tenant = self.add_tenant(spec.id, spec.display_name)
        for app in spec.apps:
            registration = self._configured_registrations.setdefault((spec.id, app.client_id), _new_registration())
            self.register_app(spec.id, app, registration=registration)
        tenant.enroll_all(devices_from_wire(spec.devices, self.clock.now(), self.random))

    def add_tenant(self, tenant_id: str, display_name: str) -> Tenant:
        tenant = Tenant(tenant_id, display_name)
        self.tenants[tenant_id] = tenant
        return tenant

    def register_app(self, tenant_id: str, spec: AppSpec, *, registration: str | None = None) -> AppRegistration:
        """Register an app; a custom partner (connector id outside the catalog) becomes known to the tenant."""
        tenant = self.tenants[tenant_id]
        if spec.connector_id is not None and spec.connector_id not in tenant.partners:
            tenant.partners[spec.connector_id] = _custom_partner(spec.connector_id)
        app = AppRegistration(
            tenant_id=tenant_id,
            client_id=spec.client_id,
            client_secret=spec.client_secret,
            kind=spec.kind,
            connector_id=spec.connector_id,
            partner_key=spec.partner_key,
            registration=registration or _new_registration(),
            certificates=tuple(load_certificate(pem) for pem in spec.certificates),
        )
        self.apps[(tenant_id, spec.client_id)] = app
        return app

    def record_violation(self, violation: Violation) -> None:
        """Keep ``violation``, its strings cut to ``STORED_TEXT_LIMIT``: they quote what a client sent."""
        if any(text is not None and len(text) > STORED_TEXT_LIMIT for text in _texts(violation)):
            violation = Violation(_cut(violation.code), _cut(violation.message), _cut(violation.route), violation.time,
                                  _stored(violation.pointer), _stored(violation.client_id), violation.address,
                                  violation.token)  # both short by construction
        self.violations.append(violation)
        self.violations_by_code[violation.code] += 1

    def record_self_check_failure(self, message: str) -> None:
        """The mock answered something that breaks its own contract: a bug in mtdsim, never the client's."""
        log.error("response self-check failed: %s", message)
        self.self_check_failures.append(message)


def _texts(violation: Violation) -> tuple[str | None, ...]:
    return (violation.code, violation.message, violation.route, violation.pointer, violation.client_id)


def _stored(text: str | None) -> str | None:
    return None if text is None else _cut(text)


def _cut(text: str) -> str:
    return text if len(text) <= STORED_TEXT_LIMIT else f"{text[: STORED_TEXT_LIMIT - 1]}…"


class RequestIds:
    """Graph-style request ids: UUID-shaped, unique per instance, reproducible from the seed.

    A seeded prefix and a counter, because ``uuid.uuid4()`` per request cost a visible share of the report path.
    """

    def __init__(self, seed: int, first: int = 1) -> None:
        """``first`` > 1 continues a restored server's sequence (its seed would otherwise repeat the ids)."""
        hex_digits = f"{random.Random(f'request-ids/{seed}').getrandbits(80):020x}"
        prefix = f"{hex_digits[:8]}-{hex_digits[8:12]}-4{hex_digits[13:16]}-8{hex_digits[17:20]}-"
        # All in C (a map over a counter): no Python frame per id.
        self.next: Callable[[], str] = map(f"{prefix}%012x".__mod__, itertools.count(first)).__next__


def _new_registration() -> str:
    return secrets.token_urlsafe(12)


def _custom_partner(connector_id: str) -> Partner:
    for partner in CATALOG.values():
        if partner.connector_id == connector_id:
            return partner
    # A partner outside the catalog (modelled): serves both platforms with no minimum OS version.
    return Partner(key=connector_id, display_name=f"Custom partner {connector_id}", connector_id=connector_id,
                   min_android="0", min_ios="0", modelled=True)
