"""Dirty tracking for the big dicts of a durable service: devices and reports, per tenant.

With ``--state`` on, each tenant's ``devices`` dict is swapped for a ``TrackedDict``, which notes every key set or
removed, and its ``reports`` book keeps each connector's reports in one. A checkpoint then reads only those keys:
O(changes), not O(fleet), on the loop and in the writer. A dict or book the service replaced wholesale (a new
tenant, a reset) is not tracked: the next checkpoint writes that tenant whole and starts tracking it.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from typing import TYPE_CHECKING, Any, TypeVar

if TYPE_CHECKING:
    from simulator.domain.tenant import Tenant

__all__ = ["TrackedDict", "take_changes", "track"]

K = TypeVar("K")
V = TypeVar("V")
_MISSING: Any = object()


class TrackedDict(dict[K, V]):
    """A dict that remembers the keys set or removed since ``take_dirty``. Reads stay the dict's own (C speed);
    every method that mutates is overridden, so no change goes unseen."""

    __slots__ = ("dirty",)

    def __init__(self, data: Mapping[K, V] | Iterable[tuple[K, V]] = ()) -> None:
        super().__init__(data)
        self.dirty: set[K] = set()

    def take_dirty(self) -> set[K]:
        dirty, self.dirty = self.dirty, set()
        return dirty

    def __setitem__(self, key: K, value: V) -> None:
        dict.__setitem__(self, key, value)
        self.dirty.add(key)

    def __delitem__(self, key: K) -> None:
        dict.__delitem__(self, key)
        self.dirty.add(key)

    def pop(self, key: K, default: Any = _MISSING) -> Any:
        self.dirty.add(key)
        return dict.pop(self, key) if default is _MISSING else dict.pop(self, key, default)

    def popitem(self) -> tuple[K, V]:
        item = dict.popitem(self)
        self.dirty.add(item[0])
        return item

    def setdefault(self, key: K, default: Any = None) -> V:
        self.dirty.add(key)
        value: V = dict.setdefault(self, key, default)
        return value

    def update(self, *args: Any, **kwargs: Any) -> None:
        changes = dict(*args, **kwargs)
        dict.update(self, changes)
        self.dirty.update(changes)

    def __ior__(self, other: Any) -> TrackedDict[K, V]:  # type: ignore[override,misc]
        self.update(other)
        return self

    def clear(self) -> None:
        self.dirty.update(self)
        dict.clear(self)


def track(tenant: Tenant) -> bool:
    """Track the tenant's devices (swapped for a tracked copy) and reports (``ReportBook.track``), with nothing
    dirty yet; False if both were tracked already."""
    if isinstance(tenant.devices, TrackedDict) and tenant.reports.tracked:
        return False
    tenant.devices = TrackedDict(tenant.devices)
    tenant.reports.track(TrackedDict)
    return True


def take_changes(records: Any) -> tuple[dict[Any, Any], frozenset[Any]]:
    """(records of the keys changed since the last call, the changed keys that are gone) of a ``TrackedDict`` or a
    tracked ``ReportBook``."""
    keys = records.take_dirty()
    get = records.get
    changed = {key: value for key in keys if (value := get(key, _MISSING)) is not _MISSING}
    return changed, frozenset(keys - changed.keys())
