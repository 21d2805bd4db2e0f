"""Request bodies too expensive to parse on the event loop: spotted by a cheap scan, parsed and checked in a worker.

``orjson.loads`` of a 2 MB array of a million zeros holds the event loop for 10-40 ms before any contract check can
look at it, and a client sending such bodies back to back keeps every other client waiting (issue 15). ``scan``
bounds a body's number of JSON values without parsing it; bodies that may hold more than a realistic valid body
are parsed and checked against their contract in one low-priority worker process (``worker``), driven from the
service by ``pool.BodyWorker``, which answers "busy" rather than queue more than a few of them.

The worker imports this package and ``worker`` only: nothing here may import aiohttp or the service.
"""

from __future__ import annotations

from simulator.bodies.scan import structural_bytes, values_bound

__all__ = ["structural_bytes", "values_bound"]
