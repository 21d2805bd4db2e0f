"""Enrolment order and equality indexes for one tenant's devices.

Every enrolled device gets the next position (its *seq*) in ``slots``; removing it leaves ``None`` there, so a seq
never moves or returns and a cursor "after seq N" stays correct while devices come and go. The equality indexes map
a lower-cased property value to the ascending seqs that have it (appended at enrolment, so always sorted); removed
devices stay in them as dead entries until a rebuild, which runs once as many devices were removed as remain.
"""

from __future__ import annotations

from bisect import bisect_right
from collections.abc import Callable, Iterator, Mapping, Sequence
from operator import attrgetter
from typing import Final

from simulator.domain.devices import EnrolledDevice

__all__ = ["INDEXED", "DeviceInventory"]

# Graph property -> the path of its value on a device; the index keys are these values lower-cased, as Graph's
# ``eq`` compares. Only properties fixed at enrolment: an index over a value that changes with reports or the clock
# would cost the ingest path an update per report. Add a line to index another one. Enum values are read as
# ``_value_``: the ``value`` property costs a Python call per read, and a path of plain attributes lets a batch read a
# column through ``attrgetter`` and ``str.lower`` in C (enrolment indexes a million devices in batches of 10,000).
# deviceName, model and manufacturer are derived from the device id unless enrolment gave them
# (domain.device_identity): indexing them would hash every enrolled device, so filters on them scan.
_PATHS: Final[Mapping[str, str]] = {
    "operatingSystem": "platform._value_",
    "managedDeviceOwnerType": "owner_type._value_",
    "deviceRegistrationState": "registration_state._value_",
    "userPrincipalName": "user_principal_name",
}


def _key_of(path: str) -> Callable[[EnrolledDevice], str]:
    read = attrgetter(path)
    return lambda device: read(device).lower()


# Graph property -> a device's key in its index.
INDEXED: Final[Mapping[str, Callable[[EnrolledDevice], str]]] = {name: _key_of(path) for name, path in _PATHS.items()}
_MIN_REBUILD = 1024


class DeviceInventory:
    """Devices by enrolment position, with equality indexes (values compared lower-cased, as Graph's ``eq``)."""

    def __init__(self) -> None:
        self.slots: list[EnrolledDevice | None] = []
        self.seq_of: dict[str, int] = {}  # azureADDeviceId -> seq
        self.indexes: dict[str, dict[str, list[int]]] = {name: {} for name in INDEXED}
        self._dead = 0  # removed devices still listed in the indexes
        self._columns = [(self.indexes[name], attrgetter(path)) for name, path in _PATHS.items()]

    def __len__(self) -> int:
        return len(self.seq_of)

    def add_all(self, devices: Sequence[EnrolledDevice]) -> list[int]:
        """Give ``devices`` (none enrolled yet, no two alike) the next seqs, in order, and index them; returns the
        seqs. A batch at a time: each column is read through ``attrgetter`` and ``str.lower`` in C."""
        # One int object per seq, shared by seq_of and every bucket (iterating a range makes a new one each time).
        seqs = list(range(len(self.slots), len(self.slots) + len(devices)))
        self.slots.extend(devices)
        self.seq_of.update(zip(map(_AZURE_AD_DEVICE_ID, devices), seqs, strict=True))
        for index, read in self._columns:
            _append_all(index, list(map(str.lower, map(read, devices))), seqs)
        return seqs

    def remove(self, azure_ad_device_id: str) -> int:
        """Forget a device; returns its seq. Its index entries go at the next rebuild."""
        seq = self.seq_of.pop(azure_ad_device_id)
        self.slots[seq] = None
        self._dead += 1
        if self._dead >= max(_MIN_REBUILD, len(self.seq_of)):
            self._rebuild()
        return seq

    def device_at(self, seq: int) -> EnrolledDevice | None:
        return self.slots[seq]

    def bucket(self, name: str, value: str) -> list[int]:
        """The ascending seqs whose ``name`` equals ``value`` (case-insensitive), dead ones included."""
        return self.indexes[name].get(value.lower(), [])

    def bucket_size(self, name: str, value: str) -> int:
        """How many live devices have ``name`` equal to ``value``: exact when nothing was removed since the last
        rebuild, else counted (bounded by the bucket's length)."""
        found = self.bucket(name, value)
        if not self._dead:
            return len(found)
        slots = self.slots
        return sum(1 for seq in found if slots[seq] is not None)

    def after(self, seqs: list[int] | None, cursor: int) -> Iterator[int]:
        """Live seqs greater than ``cursor``, ascending: from ``seqs`` (an index bucket) or from every slot."""
        slots = self.slots
        if seqs is None:
            return (seq for seq in range(cursor + 1, len(slots)) if slots[seq] is not None)
        start = bisect_right(seqs, cursor)
        return (seq for seq in (seqs[i] for i in range(start, len(seqs))) if slots[seq] is not None)

    def skip_ahead(self, seqs: list[int] | None, cursor: int, skip: int) -> int:
        """The cursor after skipping ``skip`` live entries past ``cursor`` in O(log n), when no entry is dead;
        -2 when some are (the caller then skips by walking). ``slots`` keeps its holes for good (positions never
        move), so the whole list jumps only while no device was ever removed; index buckets are compacted."""
        if self._dead:
            return -2
        if seqs is None:
            if len(self.slots) != len(self.seq_of):
                return -2
            return min(cursor + skip, len(self.slots) - 1)
        start = bisect_right(seqs, cursor)
        end = start + skip
        if end <= 0:
            return cursor
        return seqs[min(end, len(seqs)) - 1]

    def _rebuild(self) -> None:
        slots = self.slots
        for index in self.indexes.values():
            for key in list(index):
                live = [seq for seq in index[key] if slots[seq] is not None]
                if live:
                    index[key] = live
                else:
                    del index[key]
        self._dead = 0


_AZURE_AD_DEVICE_ID = attrgetter("azure_ad_device_id")


def _append_all(index: dict[str, list[int]], keys: list[str], seqs: list[int]) -> None:
    """Append each seq to the bucket of its key (``keys[i]`` is the key of ``seqs[i]``); buckets stay ascending
    because every seq of a batch is greater than any enrolled before."""
    if keys and keys.count(keys[0]) == len(keys):  # a column the whole batch shares (owner type, often) goes in C
        index.setdefault(keys[0], []).extend(seqs)
        return
    for key, seq in zip(keys, seqs, strict=True):
        bucket = index.get(key)
        if bucket is None:
            index[key] = [seq]
        else:
            bucket.append(seq)
