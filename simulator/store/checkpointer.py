"""Checkpoints of a running service into its state directory: every interval, and a final one at shutdown.

The capture is taken on the event loop (pointer copies, no encoding); the encoding and the SQLite transaction run
in a worker thread, so a checkpoint at a large fleet does not hold the loop while it writes. One checkpoint at a
time: if a write takes longer than the interval, the next one starts as soon as it is done.
"""

from __future__ import annotations

import asyncio
import contextlib
import logging
import time
from dataclasses import dataclass
from typing import Any

from simulator.service.state import ServiceState
from simulator.store.capture import capture_changes
from simulator.store.collector import collector_paused
from simulator.store.sqlite import SqliteStore

__all__ = ["CheckpointInfo", "Checkpointer"]

log = logging.getLogger("mtdsim.store")


@dataclass(frozen=True, slots=True)
class CheckpointInfo:
    """The last completed checkpoint: everything acknowledged before ``taken_at`` (wall epoch seconds) is saved."""

    taken_at: float
    seconds: float  # from capture to commit
    loop_seconds: float  # of that, on the event loop (the capture)
    rows: int

    def to_wire(self) -> dict[str, Any]:
        return {"takenAt": self.taken_at, "seconds": round(self.seconds, 6),
                "loopSeconds": round(self.loop_seconds, 6), "rows": self.rows}  # fmt: skip


class Checkpointer:
    def __init__(self, state: ServiceState, store: SqliteStore, interval: float) -> None:
        self.state = state
        self.store = store
        self.interval = interval
        self.count = 0
        self.last: CheckpointInfo | None = None
        self.restored_from: float | None = None  # takenAt of the checkpoint the service started from
        self._lock = asyncio.Lock()
        self._stop = asyncio.Event()
        self._task: asyncio.Task[None] | None = None

    def start(self) -> None:
        self._task = asyncio.get_running_loop().create_task(self._run(), name="mtdsim checkpoints")

    async def _run(self) -> None:
        while not self._stop.is_set():
            with contextlib.suppress(TimeoutError):
                await asyncio.wait_for(self._stop.wait(), self.interval)
            if self._stop.is_set():
                return
            try:
                await self.checkpoint()
            except Exception:  # a full disk must not stop the service; the next interval tries again
                log.exception("checkpoint failed")

    async def checkpoint(self) -> CheckpointInfo:
        async with self._lock:
            started = time.perf_counter()
            # After a failed write the file's content is unknown and the changes it carried are gone from the
            # trackers: the store then asks for everything.
            shot = capture_changes(self.state, everything=self.store.needs_everything)
            captured = time.perf_counter()
            rows = await asyncio.to_thread(collector_paused.run, self.store.write, shot)
            self.count += 1
            self.last = CheckpointInfo(shot.taken_at, time.perf_counter() - started, captured - started, rows)
            return self.last

    async def close(self) -> None:
        """Stop the timer, write the final checkpoint (SIGTERM, SIGINT: the service is shutting down), close."""
        self._stop.set()
        if self._task is not None:
            await self._task
        try:
            await self.checkpoint()
        finally:
            self.store.close()
