"""``python -m simulator.bodies CONTRACTS_DIR``: the body worker (``worker``), started by ``pool.BodyWorker``.

It lowers its own CPU priority before anything else: importing the worker and loading the contracts costs a tenth
of a second of CPU, and that already competes with the event loop when both are pinned to one core. The lowest nice
value gives it ~1.5% of a core the loop wants whole (CFS weights 15 against 1024), and the loop preempts it when a
request arrives. Lowering one's own priority needs no privilege.
"""

import contextlib
import os
import sys

if hasattr(os, "SCHED_IDLE"):  # Linux: preempted at once when the loop wakes (see docs/decisions.md)
    with contextlib.suppress(OSError):
        os.sched_setscheduler(0, os.SCHED_IDLE, os.sched_param(0))
with contextlib.suppress(OSError):
    os.nice(19)

from simulator.bodies.worker import main  # after the nice: see the docstring

raise SystemExit(main(sys.argv[1:]))
