"""The journal's filters, shared by ``GET /_sim/journal`` and ``mtdsim journal --state`` (offline)."""

from __future__ import annotations

import contextlib
from collections.abc import Iterable, Iterator
from dataclasses import dataclass

from simulator.domain.catalog import find_partner
from simulator.errors import NotFound
from simulator.service.state import JournalEntry

__all__ = ["JournalQuery"]


@dataclass(frozen=True, slots=True)
class JournalQuery:
    """Each given filter must match exactly; newest entries first, at most ``limit`` of them.

    ``client_request_id`` answers a partner that lost a response: was the request it retries already answered?
    """

    route: str | None = None  # route template or path
    tenant: str | None = None
    partner: str | None = None  # key, display name or connector id
    device: str | None = None
    status: int | None = None
    client_request_id: str | None = None
    limit: int = 1000

    def select(self, newest_first: Iterable[JournalEntry]) -> Iterator[JournalEntry]:
        partner = self.partner
        if partner is not None:
            with contextlib.suppress(NotFound):  # else a custom partner's connector id
                partner = find_partner(partner).connector_id
        taken = 0
        for entry in newest_first:
            if taken >= self.limit:
                return
            if not self._matches(entry, partner):
                continue
            taken += 1
            yield entry

    def _matches(self, entry: JournalEntry, partner: str | None) -> bool:
        return ((self.route is None or self.route in (entry.route, entry.path))
                and (self.tenant is None or self.tenant == entry.tenant)
                and (partner is None or partner == entry.partner)
                and (self.device is None or self.device == entry.device)
                and (self.status is None or self.status == entry.status)
                and (self.client_request_id is None or self.client_request_id == entry.client_request_id))  # fmt: skip
