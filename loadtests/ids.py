"""Device ids that are unique across every Locust user and worker without any coordination.

Derivation: a device slot is ``(seed, worker, user, n)`` — the run's seed, the Locust worker index (0 for a local
run; the master hands indices out), the user's index inside its worker process (a per-process counter) and the
device's number inside that user. The four numbers are packed bit by bit into the 122 free bits of a version-4
UUID::

    seed: 32 bits | worker: 16 bits | user: 32 bits | n: 42 bits

Packing is injective, so two distinct slots can never share an id (no hashing, no collision probability), the same
seed replays the same ids, and ``slot_of(device_id(...))`` recovers the slot for debugging.
"""

from __future__ import annotations

import uuid
from dataclasses import dataclass

__all__ = ["DeviceSlot", "device_id", "device_platform", "slot_of"]

_SEED_BITS, _WORKER_BITS, _USER_BITS, _N_BITS = 32, 16, 32, 42


@dataclass(frozen=True, slots=True)
class DeviceSlot:
    seed: int
    worker: int
    user: int
    n: int


def _check(value: int, bits: int, what: str) -> int:
    if not 0 <= value < (1 << bits):
        raise ValueError(f"{what} {value} does not fit in {bits} bits")
    return value


def device_id(seed: int, worker: int, user: int, n: int) -> str:
    """The azureADDeviceId of device ``n`` of user ``user`` on worker ``worker`` (seed reduced to 32 bits)."""
    payload = seed & ((1 << _SEED_BITS) - 1)
    payload = (payload << _WORKER_BITS) | _check(worker, _WORKER_BITS, "worker index")
    payload = (payload << _USER_BITS) | _check(user, _USER_BITS, "user index")
    payload = (payload << _N_BITS) | _check(n, _N_BITS, "device number")
    # 122 payload bits: 48 above the version nibble, 12 between version and variant, 62 below the variant.
    high, middle, low = payload >> 74, (payload >> 62) & 0xFFF, payload & ((1 << 62) - 1)
    value = (high << 80) | (0x4 << 76) | (middle << 64) | (0b10 << 62) | low
    return str(uuid.UUID(int=value))


def slot_of(azure_ad_device_id: str) -> DeviceSlot:
    """Invert :func:`device_id` (the seed comes back reduced to 32 bits)."""
    value = uuid.UUID(azure_ad_device_id).int
    payload = ((value >> 80) << 74) | (((value >> 64) & 0xFFF) << 62) | (value & ((1 << 62) - 1))
    n = payload & ((1 << _N_BITS) - 1)
    payload >>= _N_BITS
    user = payload & ((1 << _USER_BITS) - 1)
    payload >>= _USER_BITS
    worker = payload & ((1 << _WORKER_BITS) - 1)
    return DeviceSlot(seed=payload >> _WORKER_BITS, worker=worker, user=user, n=n)


def device_platform(user: int, n: int) -> str:
    """Half of every user's devices are iOS (for App Sync), half Android, alternating by slot."""
    return "ios" if (user + n) % 2 else "android"
