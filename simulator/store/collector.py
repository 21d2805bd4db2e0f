"""Pausing CPython's cyclic garbage collector while a worker thread builds or reads a whole-state document.

A collection walks every tracked object with the GIL held: with a million devices' records alive and millions of
short-lived ones being made, one took 100-450 ms (measured at 200,000 devices), every client of the event loop
waiting. The documents built here are trees without cycles, freed by reference counting, so nothing is lost by
not collecting while they exist.
"""

from __future__ import annotations

import contextlib
import gc
import threading
from collections.abc import Callable, Iterator
from typing import Any, TypeVar

__all__ = ["collector_paused"]

T = TypeVar("T")


class _CollectorPause:
    """The collector is process-wide, so overlapping pauses keep it off until the last one ends, and a collector
    someone else had turned off stays off."""

    def __init__(self) -> None:
        self._lock = threading.Lock()
        self._pauses = 0
        self._was_enabled = True

    @contextlib.contextmanager
    def __call__(self) -> Iterator[None]:
        with self._lock:
            if self._pauses == 0:
                self._was_enabled = gc.isenabled()
            self._pauses += 1
            gc.disable()
        try:
            yield
        finally:
            with self._lock:
                self._pauses -= 1
                if self._pauses == 0 and self._was_enabled:
                    gc.enable()

    def run(self, work: Callable[..., T], *args: Any) -> T:
        """``work(*args)`` with the collector paused: for ``asyncio.to_thread``. What it built and dropped is
        freed before the collector runs again."""
        with self():
            return work(*args)


collector_paused = _CollectorPause()


