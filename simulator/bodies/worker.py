"""The worker process: parse bodies and check them against their contracts, away from the service's event loop.

Run as ``python -m simulator.bodies CONTRACTS_DIR`` by ``pool.BodyWorker``, at the lowest CPU priority (set by
``__main__`` before any import), so the scheduler prefers the event loop even when both share one pinned core; it
loads the contracts from the service's directory. Then, for each request frame on stdin, it answers one frame on
stdout with what the service's own path would conclude: a bad-JSON message, the (bounded) problems, or the parsed
value of a valid body.
It exits when stdin closes (the service stopped, or died), and ignores SIGINT: a Ctrl-C in the terminal reaches
the whole process group, and stopping is the service's decision.

Frames: request ``!II`` (contract length, body length), the contract name (empty: parse only), the body;
answer ``!I`` (length), a pickled ``Outcome``. Both ends are mtdsim: pickle is safe here and keeps parsed data as is.
"""

from __future__ import annotations

import contextlib
import pickle
import signal
import struct
import sys
import time
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path
from typing import Any, BinaryIO

import orjson

from simulator.contracts import ContractSet
from simulator.errors import Problem

__all__ = ["PACE", "REQUEST", "RESPONSE", "Outcome", "check", "main"]

REQUEST = struct.Struct("!II")
RESPONSE = struct.Struct("!I")
# After each body, rest PACE times the CPU time it took: the worker works at most 1/(1 + PACE) of the time, so a
# client sending oversized bodies back to back disturbs the event loop's core (caches, memory bandwidth) that little.
PACE = 4.0


@dataclass(frozen=True, slots=True)
class Outcome:
    """What the worker concluded: ``not_json`` (orjson's message), else ``problems`` (empty when valid), else
    ``data``, the parsed body (only sent back when valid: an invalid million-item array stays in the worker)."""

    not_json: str | None = None
    problems: tuple[Problem, ...] = ()
    data: Any = None


def check(contracts: ContractSet, body: bytes, contract: str | None) -> Outcome:
    """Parse ``body`` and check it against ``contract`` (None: parse only) exactly as ``read_json`` does."""
    try:
        data = orjson.loads(body)
    except orjson.JSONDecodeError as exc:
        return Outcome(not_json=str(exc))
    if contract is None or contracts.is_valid(contract, data):
        return Outcome(data=data)
    problems = contracts.problems(contract, data) or [Problem("", "the body breaks its contract")]
    return Outcome(problems=tuple(problems))


def serve(contracts: ContractSet, source: BinaryIO, sink: BinaryIO) -> None:
    """Answer request frames from ``source`` on ``sink`` until ``source`` ends."""
    trim = _malloc_trim()
    while header := source.read(REQUEST.size):
        contract_size, body_size = REQUEST.unpack(header)
        contract = source.read(contract_size).decode() or None
        body = source.read(body_size)
        spent = time.process_time()
        answer = pickle.dumps(check(contracts, body, contract), protocol=pickle.HIGHEST_PROTOCOL)
        del body
        if trim is not None:
            trim(0)
        spent = time.process_time() - spent
        sink.write(RESPONSE.pack(len(answer)) + answer)
        sink.flush()
        time.sleep(min(spent * PACE, 1.0))


def _malloc_trim() -> Callable[[int], int] | None:
    """glibc's ``malloc_trim``, to hand freed memory back to the OS after each body: after a million-value array
    glibc keeps ~25 MB of free heap (its mmap threshold rises after the first big free), which this process would
    hold, idle, for the rest of its life. Looked up here, not at import: the service imports this module too."""
    import ctypes

    try:
        trim: Callable[[int], int] = ctypes.CDLL("libc.so.6").malloc_trim
    except (OSError, AttributeError):  # not glibc (macOS, musl): nothing to trim with
        return None
    return trim


def main(argv: list[str]) -> int:
    signal.signal(signal.SIGINT, signal.SIG_IGN)
    with contextlib.suppress(BrokenPipeError):  # the service went away while an answer was on its way
        serve(ContractSet.load(Path(argv[0])), sys.stdin.buffer, sys.stdout.buffer)
    return 0
