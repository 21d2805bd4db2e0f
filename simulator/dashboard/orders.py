"""How the dashboard walks a tenant's devices in an order without holding the event loop (issue 18 item 2).

A *walk* yields seqs (enrolment positions) with ``None`` at pause points, where its consumer awaits: a generator
cannot await, and pausing inside the walk keeps every consumer's slice bounded however sparse the matches are. The
name and user orders (``SortedOrder``) are the dashboard's own, built when first asked and extended by later
requests, in slices; the platform order is the inventory's operatingSystem index. ``access`` plans the queries.
"""

from __future__ import annotations

import asyncio
import heapq
import weakref
from collections import Counter
from collections.abc import Callable, Iterable, Iterator
from itertools import islice

from simulator.domain.devices import EnrolledDevice
from simulator.domain.inventory import DeviceInventory

__all__ = ["ORDERED_BY", "STEP", "SortedOrder", "Walk", "by_platform", "order_of", "paced"]

# Work per event-loop slice: 1-3 ms on an idle core of this project's machine (issue 18 asks for no slice over
# ~20 ms at 1M devices): positions walked, devices scanned, entries sorted or merged.
STEP = 4096
TAIL_MAX = 16384  # entries in an order's small sorted run before it is folded into the large one (O(n), sliced)
ROUNDS = 4  # scan rounds before an order stops chasing an enrolment storm (the next request goes on)
MIN_COMPACT = 1024  # an order is rebuilt once as many of its devices were removed as remain, and at least this many

# Admitted seqs in some order, None at the points where the consumer lets the event loop run.
Walk = Iterator[int | None]


def paced(seqs: Iterable[int], admits: Callable[[int], bool]) -> Walk:
    """``seqs`` that ``admits`` lets through, with a pause point every STEP."""
    for done, seq in enumerate(seqs, 1):
        if admits(seq):
            yield seq
        if done % STEP == 0:
            yield None


class SortedOrder:
    """One property's order, kept across requests and brought up to date with the devices enrolled since, in slices
    (the inventory's indexes do not cover deviceName, and sorting userPrincipalName's values would be the same work).

    An entry per device, ``value NUL SOH seq`` (the value lower-cased with any NUL escaped, the seq in fixed width),
    so plain string order is the sort's order (value, then enrolment position) and the order holds no container per
    value: a million small lists or arrays cost the garbage collector ~20 ms every time it looks at them young.

    The entries are a large sorted run (``keys``) and a small one of devices enrolled since it was last folded
    (``tail``), walked together by a merge: a few new devices cost a merge into the tail (O(TAIL_MAX), one slice),
    and the tail is folded into ``keys`` (O(n), in slices) only when it outgrows TAIL_MAX. Both lists are replaced,
    not changed in place, because a walk may be reading them across its pauses (the replaced ones are emptied in
    slices once no walk reads them). Removed devices stay as entries
    (walks skip them) until as many were removed as remain; then the order is rebuilt from scratch, also in slices.
    A lock makes concurrent requests share one build.
    """

    def __init__(self, value_of: Callable[[EnrolledDevice], str]) -> None:
        self.value_of = value_of
        self.lock = asyncio.Lock()
        self._readers: Counter[int] = Counter()  # id of a run -> walks reading it now
        self._reset()

    def _reset(self) -> None:
        # New lists, not cleared ones: a walk that started before keeps reading the old ones.
        self.keys: list[str] = []
        self.tail: list[str] = []
        self.pending: list[str] = []  # entries in neither run yet: scanned since the last merge
        self.seen = 0  # slots scanned
        self.entries = 0  # entries in the three lists, of live devices or not

    async def refresh(self, inventory: DeviceInventory) -> None:
        """Cover every device enrolled so far. Slices of at most STEP devices or entries, with pauses between;
        the last slice does not pause, so the order is exact when this returns. Devices enrolled faster than the
        scan (after ROUNDS rounds) or more than STEP of them during a fold are left to the next request, so a page
        answers within O(n + new devices) however fast enrolment goes."""
        async with self.lock:
            slots = inventory.slots
            if self.entries - len(inventory) >= max(MIN_COMPACT, len(inventory)):
                old = [self.keys, self.tail, self.pending]
                self._reset()
                await self._release(old)
            for _ in range(ROUNDS):  # scan; devices enrolled during a round are the next round's
                target = len(slots)
                if target - self.seen <= STEP:
                    break
                while self.seen < target:
                    self._scan(slots, min(self.seen + STEP, target))
                    await asyncio.sleep(0)
            for _ in range(2):  # the last few devices, then a fold if the small run overflows, and again
                if len(slots) - self.seen <= STEP:
                    self._scan(slots, len(slots))  # no pause from here to the caller's walk, unless a fold follows
                if len(self.tail) + len(self.pending) <= TAIL_MAX:
                    break
                await self._fold()  # more than STEP devices enrolled during it: left to the next request
            if self.pending and len(self.tail) + len(self.pending) <= TAIL_MAX:  # always, as STEP <= TAIL_MAX
                self.tail = sorted(self.tail + self.pending)  # a sorted run and a short one: Timsort merges them
                self.pending = []

    def _scan(self, slots: list[EnrolledDevice | None], end: int) -> None:
        """Slots ``seen`` to ``end`` into ``pending``."""
        pending, value_of, before = self.pending, self.value_of, len(self.pending)
        for seq in range(self.seen, end):
            device = slots[seq]
            if device is not None:
                pending.append(f"{value_of(device).replace(_NUL, _ESCAPED)}{_SEPARATOR}{seq:012d}")  # 12: _SEQ_DIGITS
        self.entries += len(pending) - before
        self.seen = max(self.seen, end)

    async def _fold(self) -> None:
        """``keys``, ``tail`` and ``pending`` as one sorted ``keys``: pending sorted in chunks, then all runs merged,
        STEP entries per slice. Nothing changes until the end, so a cancelled request leaves the order as it was
        (only the lock holder scans, so ``pending`` does not grow meanwhile)."""
        pending = self.pending
        runs = [self.keys, self.tail]
        for start in range(0, len(pending), STEP):
            runs.append(sorted(pending[start : start + STEP]))
            await asyncio.sleep(0)
        merged, out = heapq.merge(*runs), []
        while part := list(islice(merged, STEP)):
            out += part
            await asyncio.sleep(0)
        self.keys, self.tail, self.pending = out, [], []
        del merged
        await self._release([pending, *runs])

    async def _release(self, lists: list[list[str]]) -> None:
        """Empty lists that were replaced, a slice at a time: dropping a million references at once touches a
        million scattered strings (~15 ms at 1M devices). A run some walk still reads is left to go when it drops it.
        """
        for items in lists:
            if id(items) in self._readers:
                continue
            while items:
                del items[-STEP:]
                await asyncio.sleep(0)

    def walk(self, descending: bool, admits: Callable[[int], bool]) -> Walk:
        # The runs as they are now: a later refresh replaces them, and does not empty them while this walk reads them.
        keys, tail = self.keys, self.tail
        if descending:
            entries = heapq.merge(reversed(keys), reversed(tail), reverse=True) if tail else reversed(keys)
        else:
            entries = heapq.merge(keys, tail) if tail else iter(keys)
        return self._reading((keys, tail), _entries(entries, admits))

    def _reading(self, runs: tuple[list[str], ...], walk: Walk) -> Walk:
        """``walk``, with its runs counted as read from its first step (its consumer takes that step before it first
        awaits, so no fold can come between) to its end or its being dropped."""
        self._readers.update(id(run) for run in runs)
        try:
            yield from walk
        finally:
            self._readers.subtract(id(run) for run in runs)
            for run in runs:
                if self._readers[id(run)] <= 0:
                    del self._readers[id(run)]


# An entry's value and seq: NUL SOH sorts below every character of an escaped value (NUL is NUL STX there), so a
# value sorts before every longer value it begins.
_NUL, _ESCAPED, _SEPARATOR, _SEQ_DIGITS = "\0", "\0\2", "\0\1", 12  # _scan writes the digits' width literally


def _entries(entries: Iterator[str], admits: Callable[[int], bool]) -> Walk:
    for done, entry in enumerate(entries, 1):
        seq = int(entry[-_SEQ_DIGITS:])
        if admits(seq):
            yield seq
        if done % STEP == 0:
            yield None


def by_platform(inventory: DeviceInventory, descending: bool, admits: Callable[[int], bool]) -> Walk:
    """The operatingSystem index in order: a handful of values, each one's seqs ascending (dead ones skipped)."""
    index = inventory.indexes["operatingSystem"]
    buckets = [index[value] for value in sorted(index, reverse=descending)]  # the lists now: a rebuild replaces them
    return paced((seq for bucket in buckets for seq in (reversed(bucket) if descending else bucket)), admits)


# An inventory is replaced wholesale when restored, so its orders go with it.
_ORDERS: weakref.WeakKeyDictionary[DeviceInventory, dict[str, SortedOrder]] = weakref.WeakKeyDictionary()
ORDERED_BY: dict[str, Callable[[EnrolledDevice], str]] = {
    "name": lambda d: d.device_name.lower(),
    "user": lambda d: d.user_principal_name.lower(),
}


def order_of(inventory: DeviceInventory, sort: str) -> SortedOrder:
    orders = _ORDERS.setdefault(inventory, {})
    order = orders.get(sort)
    if order is None:
        order = orders[sort] = SortedOrder(ORDERED_BY[sort])
    return order
