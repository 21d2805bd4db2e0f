"""Cheap, stable integer hashing: the per-device random stream of the fleet.

A device's fields come from ``mix64(seed, stream, index)`` instead of a ``random.Random`` per device: building a
``Random`` costs microseconds, a SplitMix64 finaliser a few hundred nanoseconds, and the result depends only on
its inputs, so device i of seed S is the same whatever else the fleet holds.
"""

from __future__ import annotations

__all__ = ["MASK64", "mix64", "splitmix64", "unit", "uuid_from"]

MASK64 = (1 << 64) - 1
_GOLDEN = 0x9E3779B97F4A7C15
_C1 = 0xBF58476D1CE4E5B9
_C2 = 0x94D049BB133111EB


def splitmix64(value: int) -> int:
    """The SplitMix64 finaliser: a bijection on 64-bit integers with good avalanche."""
    z = (value + _GOLDEN) & MASK64
    z = ((z ^ (z >> 30)) * _C1) & MASK64
    z = ((z ^ (z >> 27)) * _C2) & MASK64
    return z ^ (z >> 31)


def mix64(seed: int, stream: int, index: int) -> int:
    """A 64-bit hash of (seed, stream, index); ``stream`` separates independent uses of one device index."""
    return splitmix64(splitmix64(splitmix64(seed & MASK64) ^ (stream & MASK64)) ^ (index & MASK64))


def unit(value: int) -> float:
    """Map a 64-bit hash to a float in [0, 1) using its top 53 bits."""
    return (value >> 11) * (1.0 / (1 << 53))


_VERSION_CLEAR = MASK64 ^ 0xF000  # the version nibble sits in bits 12-15 of the high half
_VARIANT_CLEAR = MASK64 >> 2  # the variant in the top two bits of the low half
_VARIANT = 0x8000_0000_0000_0000  # RFC 4122 variant


def uuid_from(high: int, low: int) -> str:
    """A version-4-shaped UUID string built from two 64-bit hashes (deterministic, not random).

    One 128-bit integer through ``to_bytes().hex()``: a third cheaper than formatting the halves, and this runs once
    per simulated device.
    """
    digits = ((high & _VERSION_CLEAR | 0x4000) << 64 | low & _VARIANT_CLEAR | _VARIANT).to_bytes(16, "big").hex()
    return f"{digits[:8]}-{digits[8:12]}-{digits[12:16]}-{digits[16:20]}-{digits[20:]}"
