"""The newest accepted report per (connector, device) of a tenant: one dict per connector, keyed by device id.

Keyed by connector first because reports arrive by connector: a batch from one partner looks its reports up by
device id alone, with no (connector, device) tuple to build and hash twice per report, which was an eighth of
applying a 1000-report batch. Deleting a connector drops its dict in O(1) instead of scanning every report.

Everything else reads the book as one mapping keyed by (connector id, device id), like the dict it replaced.

For the durable store (``simulator.store.tracking``), ``track`` gives every connector's dict, now and later, the
type the store asks for (a dict that notes the keys changed), and ``take_dirty`` collects their notes.
"""

from __future__ import annotations

from collections.abc import Callable, Iterable, Iterator
from itertools import chain
from typing import Any, TypeVar

from simulator.domain.devices import StoredReport

__all__ = ["ReportBook", "ReportKey"]

ReportKey = tuple[str, str]  # (connector id, Azure AD device id)
_D = TypeVar("_D")
_MISSING: Any = object()


class ReportBook:
    """Stored reports by connector, then device; read as a mapping keyed by (connector id, device id)."""

    __slots__ = ("_by_connector", "_dict_type")

    def __init__(self, items: Iterable[tuple[ReportKey, StoredReport]] = ()) -> None:
        self._by_connector: dict[str, dict[str, StoredReport]] = {}
        self._dict_type: Callable[[dict[str, StoredReport]], dict[str, StoredReport]] = dict
        for key, report in items:
            self[key] = report

    # -- the hot path and the tenant's bulk changes -------------------------------------------------------------

    def of(self, connector_id: str) -> dict[str, StoredReport]:
        """The connector's reports by device id, to read and write in place (created empty when it has none)."""
        reports = self._by_connector.get(connector_id)
        if reports is None:
            reports = self._by_connector[connector_id] = self._dict_type({})
        return reports

    def drop_connector(self, connector_id: str) -> list[str]:
        """Forget every report of the connector; the ids of the devices it had reported about."""
        reports = self._by_connector.get(connector_id)
        if reports is None:
            return []
        devices = list(reports)
        reports.clear()  # not popped: a tracked dict notes the keys it loses, and the store must see them go
        return devices

    def drop_device(self, device_id: str) -> None:
        """Forget every connector's report about the device."""
        for reports in self._by_connector.values():
            reports.pop(device_id, None)

    # -- the durable store's tracking ---------------------------------------------------------------------------

    @property
    def tracked(self) -> bool:
        return self._dict_type is not dict

    def track(self, dict_type: Callable[[dict[str, StoredReport]], dict[str, StoredReport]]) -> None:
        """Keep every connector's reports, now and from now on, in a ``dict_type``: a dict whose ``take_dirty()``
        hands out the keys changed since its last call (``simulator.store.tracking.TrackedDict``)."""
        self._dict_type = dict_type
        self._by_connector = {cid: dict_type(reports) for cid, reports in self._by_connector.items()}

    def take_dirty(self) -> set[ReportKey]:
        """The keys set or removed since the last call (only while tracked)."""
        return {(cid, device_id) for cid, reports in self._by_connector.items()
                for device_id in reports.take_dirty()}  # type: ignore[attr-defined]  # fmt: skip

    # -- the mapping view ---------------------------------------------------------------------------------------

    def get(self, key: ReportKey, default: _D | None = None) -> StoredReport | _D | None:
        reports = self._by_connector.get(key[0])
        return default if reports is None else reports.get(key[1], default)

    def __getitem__(self, key: ReportKey) -> StoredReport:
        reports = self._by_connector.get(key[0])
        if reports is None:
            raise KeyError(key)
        return reports[key[1]]

    def __setitem__(self, key: ReportKey, report: StoredReport) -> None:
        self.of(key[0])[key[1]] = report

    def __delitem__(self, key: ReportKey) -> None:
        if self.pop(key, _MISSING) is _MISSING:
            raise KeyError(key)

    def pop(self, key: ReportKey, default: Any = _MISSING) -> Any:
        reports = self._by_connector.get(key[0])
        found = _MISSING if reports is None else reports.pop(key[1], _MISSING)
        if found is _MISSING and default is _MISSING:
            raise KeyError(key)
        return default if found is _MISSING else found

    def __contains__(self, key: object) -> bool:
        return self.get(key, _MISSING) is not _MISSING  # type: ignore[arg-type]

    def __len__(self) -> int:
        return sum(map(len, self._by_connector.values()))

    def __iter__(self) -> Iterator[ReportKey]:
        return ((cid, device_id) for cid, reports in self._by_connector.items() for device_id in reports)

    def items(self) -> Iterator[tuple[ReportKey, StoredReport]]:
        return (((cid, device_id), report) for cid, reports in self._by_connector.items()
                for device_id, report in reports.items())  # fmt: skip

    def values(self) -> Iterator[StoredReport]:
        return chain.from_iterable(reports.values() for reports in self._by_connector.values())

    def copy(self) -> ReportBook:
        """A shallow, untracked copy: one dict copy per connector, in C (a checkpoint takes one of 1M reports)."""
        book = ReportBook()
        book._by_connector = {cid: dict(reports) for cid, reports in self._by_connector.items()}
        return book

    def __eq__(self, other: object) -> bool:
        if not isinstance(other, ReportBook | dict):
            return NotImplemented
        return dict(self.items()) == dict(other.items())

    __hash__ = None  # type: ignore[assignment]  # mutable, like the dict it stands for

    def __repr__(self) -> str:
        return f"ReportBook({dict(self.items())!r})"
