"""``python -m simulator.bodies CONTRACTS_DIR``: the body worker (``worker``), started by ``pool.BodyWorker``."""

import sys

from simulator.bodies.worker import main

raise SystemExit(main(sys.argv[1:]))
