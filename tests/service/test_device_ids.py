from __future__ import annotations

import random
import uuid

from simulator.service.devices import _uuid


def test_generated_device_ids_are_the_version_4_uuids_the_seed_always_gave() -> None:
    """The fast formatting must draw and print exactly what ``uuid.UUID(version=4)`` did, so seeds replay."""
    ours, reference = random.Random(2026), random.Random(2026)
    for _ in range(2000):
        assert _uuid(ours) == str(uuid.UUID(int=reference.getrandbits(128), version=4))
