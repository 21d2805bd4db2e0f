"""The service's side of the body worker: one process, started on first use, and a bounded queue in front of it.

At most ``1 + waiting`` bodies are with the worker at once (one parsed, the others waiting with their bytes);
beyond that ``BodyWorker.check`` raises ``Busy`` at once, so a client sending expensive bodies faster than they are
parsed costs a bounded amount of memory, not a growing queue.

The worker is a plain ``python -m simulator.bodies`` child on two pipes (``worker`` has the frames), not a
``ProcessPoolExecutor``: a spawned pool worker re-imports the program's ``__main__`` (a script without the
``if __name__ == "__main__"`` guard would start a second server in it), a forked one shares, and counts in its
RSS, every page of a service holding a million devices, and the pool's feeder and manager threads would pickle
megabytes under the event loop's GIL. Its stdin closing is its signal to exit, so it never outlives the service.
"""

from __future__ import annotations

import asyncio
import logging
import pickle
import sys
from pathlib import Path

from simulator.bodies.worker import REQUEST, RESPONSE, Outcome

__all__ = ["BodyWorker", "Busy"]

log = logging.getLogger("mtdsim.service")


class Busy(Exception):
    """The worker has as many bodies as it may hold (or has just stopped); the caller should answer 503."""


class BodyWorker:
    """Parses and checks bodies in one low-priority worker process, ``waiting`` more at most queued behind it.

    ``idle_seconds``: the process
    exits after this long without a body, handing its ~35 MiB back (php-fpm's ondemand mode waits 10 s too); the
    next body starts another (0.1-0.2 s). See docs/decisions.md."""

    def __init__(self, contracts_root: Path, *, waiting: int = 2, idle_seconds: float = 10.0) -> None:
        self._root = contracts_root
        self._capacity = 1 + waiting
        self._idle_seconds = idle_seconds
        self._idle_timer: asyncio.TimerHandle | None = None
        self._stopping: set[asyncio.Task[None]] = set()
        self._process: asyncio.subprocess.Process | None = None
        self._turn = asyncio.Lock()
        self._exchanges: set[asyncio.Future[Outcome]] = set()
        self.in_flight = 0
        self.parsed = 0  # bodies the worker answered, over all its processes
        self.pid: int | None = None

    async def check(self, body: bytes, contract: str | None) -> Outcome:
        """What the worker concludes about ``body``; ``Busy`` when ``1 + waiting`` bodies are with it already.

        A caller cancelled meanwhile (aiohttp cancels the handler of a client that left, when asked to) does not
        cancel the exchange: it finishes in the background, so the pipes stay in step and the worker lives on."""
        if self.in_flight >= self._capacity:
            raise Busy(f"{self.in_flight} bodies are with the worker already")
        self.in_flight += 1
        task = asyncio.ensure_future(self._in_turn(body, contract))
        self._exchanges.add(task)  # the loop keeps only weak references to tasks
        task.add_done_callback(self._finished)
        return await asyncio.shield(task)

    async def _in_turn(self, body: bytes, contract: str | None) -> Outcome:
        try:
            async with self._turn:
                return await self._exchange(body, contract)
        finally:
            self.in_flight -= 1
            if not self.in_flight and self._process is not None:
                self._arm_idle_timer()

    def _arm_idle_timer(self) -> None:
        if self._idle_timer is not None:
            self._idle_timer.cancel()
        self._idle_timer = asyncio.get_running_loop().call_later(self._idle_seconds, self._idle_out)

    def _idle_out(self) -> None:
        """No body for ``idle_seconds``: let the process go (it exits when its stdin closes)."""
        self._idle_timer = None
        if self.in_flight or self._process is None:
            return
        process, self._process, self.pid = self._process, None, None
        stopping = asyncio.ensure_future(self._stop(process))
        self._stopping.add(stopping)
        stopping.add_done_callback(self._stopping.discard)

    def _finished(self, task: asyncio.Future[Outcome]) -> None:
        self._exchanges.discard(task)
        if not task.cancelled() and task.exception() is None:  # also marks a failure of an abandoned one as seen
            self.parsed += 1

    async def close(self) -> None:
        """Stop the worker: its stdin closes, and it exits after the body it is on (killed after 5 s). Bodies
        still waiting for it are dropped."""
        if self._idle_timer is not None:
            self._idle_timer.cancel()
            self._idle_timer = None
        process, self._process, self.pid = self._process, None, None
        for task in list(self._exchanges):
            task.cancel()
        await asyncio.gather(self._stop(process), *self._stopping)

    @staticmethod
    async def _stop(process: asyncio.subprocess.Process | None) -> None:
        if process is None:
            return
        if process.stdin is not None:
            process.stdin.close()
        try:
            await asyncio.wait_for(process.wait(), 5)
        except TimeoutError:
            process.kill()
            await process.wait()

    async def _exchange(self, body: bytes, contract: str | None) -> Outcome:
        process = self._process or await self._start()
        assert process.stdin is not None and process.stdout is not None  # both are pipes (_start)
        name = (contract or "").encode()
        try:
            process.stdin.write(REQUEST.pack(len(name), len(body)) + name)
            process.stdin.write(body)
            await process.stdin.drain()
            (size,) = RESPONSE.unpack(await process.stdout.readexactly(RESPONSE.size))
            outcome: Outcome = pickle.loads(await process.stdout.readexactly(size))
        except (OSError, asyncio.IncompleteReadError) as exc:  # it died (killed, out of memory): start afresh
            log.error("the body worker stopped: %r", exc)
            await self._retire(process)
            raise Busy("the body worker stopped") from None
        # Only close() cancels an exchange, and it has taken the process already: nothing to undo here.
        return outcome

    async def _retire(self, process: asyncio.subprocess.Process) -> None:
        """Stop ``process``; the next body starts a new one."""
        if self._process is process:
            self._process, self.pid = None, None
        await self._stop(process)

    async def _start(self) -> asyncio.subprocess.Process:
        self._process = await asyncio.create_subprocess_exec(
            sys.executable, "-m", "simulator.bodies", str(self._root),
            stdin=asyncio.subprocess.PIPE, stdout=asyncio.subprocess.PIPE,
        )  # fmt: skip
        self.pid = self._process.pid
        return self._process
