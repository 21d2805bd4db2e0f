"""The device mix of a simulated fleet: field shares as seen in enterprise fleets (approximate, modelled).

Each distribution is a tuple of (value, weight). ``Table`` turns one into a 1024-slot lookup table so a device
picks a value with one index operation on 10 bits of its hash. OS versions deliberately reach below every
catalog partner's minimum (Android 4.0.4 < 4.1, iOS 7.1.2 < 8.0) so "unsupported OS" rules get exercised.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from typing import Generic, TypeVar

from simulator.domain.enums import DeviceRegistrationState, ManagedDeviceOwnerType, Platform

__all__ = [
    "ANDROID_MODELS",
    "ANDROID_OS_VERSIONS",
    "IOS_MODELS",
    "IOS_OS_VERSIONS",
    "OWNERSHIP",
    "PLATFORM_SHARE",
    "REGISTRATION",
    "Table",
]

Weighted = Sequence[tuple[str, float]]

# Share of iOS among MTD-protected corporate phones (modelled; enterprise fleets lean towards iOS).
PLATFORM_SHARE: tuple[tuple[str, float], ...] = ((Platform.ios.value, 55.0), (Platform.android.value, 45.0))

ANDROID_OS_VERSIONS: Weighted = (
    ("16.0", 12), ("15.0", 22), ("14.0", 22), ("13.0", 15), ("12.0", 9), ("11.0", 7), ("10.0", 5),
    ("9.0", 3), ("8.1.0", 2), ("7.0", 1.2), ("6.0", 0.8), ("5.1.1", 0.5), ("4.4.4", 0.3), ("4.0.4", 0.2),
)  # fmt: skip

IOS_OS_VERSIONS: Weighted = (
    ("26.1", 20), ("26.0.1", 10), ("18.6.2", 22), ("18.5", 8), ("17.7", 12), ("17.4", 5), ("16.7.10", 7),
    ("15.8.3", 5), ("15.5", 2), ("14.8.1", 2), ("13.7", 1.2), ("12.5.7", 1), ("11.4.1", 0.5),
    ("10.3.4", 0.5), ("9.3.6", 0.4), ("7.1.2", 0.2),
)  # fmt: skip

# (manufacturer, model) pairs as Graph shows them on managedDevice; weights are rough market shares.
ANDROID_MODELS: Sequence[tuple[tuple[str, str], float]] = (
    (("samsung", "SM-S921B"), 12), (("samsung", "SM-S911B"), 9), (("samsung", "SM-A546B"), 10),
    (("samsung", "SM-A155F"), 8), (("samsung", "SM-X710"), 4), (("Google", "Pixel 9"), 6),
    (("Google", "Pixel 8a"), 5), (("Google", "Pixel 7"), 4), (("motorola", "moto g84 5G"), 6),
    (("Xiaomi", "Redmi Note 13"), 6), (("OnePlus", "CPH2581"), 4), (("OPPO", "CPH2591"), 3),
    (("Zebra Technologies", "TC52"), 5), (("Honeywell", "CT40"), 3), (("Sony", "XQ-DQ54"), 2),
    (("Nokia", "Nokia G42 5G"), 2),
)  # fmt: skip

IOS_MODELS: Sequence[tuple[tuple[str, str], float]] = (
    (("Apple", "iPhone 16 Pro"), 10), (("Apple", "iPhone 16"), 9), (("Apple", "iPhone 15"), 12),
    (("Apple", "iPhone 15 Pro"), 7), (("Apple", "iPhone 14"), 11), (("Apple", "iPhone 13"), 10),
    (("Apple", "iPhone SE (3rd generation)"), 7), (("Apple", "iPhone 12"), 7), (("Apple", "iPhone 11"), 5),
    (("Apple", "iPhone XR"), 2), (("Apple", "iPad (10th generation)"), 8),
    (("Apple", "iPad Air (5th generation)"), 6), (("Apple", "iPad Pro (11-inch) (4th generation)"), 6),
)  # fmt: skip

# Only company and personal: the control API's enroll shape has no "unknown" owner.
OWNERSHIP: Weighted = ((ManagedDeviceOwnerType.company.value, 70), (ManagedDeviceOwnerType.personal.value, 30))

# Most enrolled devices are Azure AD registered; the rest exercise the deviceNotRegistered rule.
REGISTRATION: Weighted = (
    (DeviceRegistrationState.registered.value, 92), (DeviceRegistrationState.notRegistered.value, 4),
    (DeviceRegistrationState.notRegisteredPendingEnrollment.value, 1.5),
    (DeviceRegistrationState.approvalPending.value, 0.5), (DeviceRegistrationState.revoked.value, 0.5),
    (DeviceRegistrationState.keyConflict.value, 0.3), (DeviceRegistrationState.certificateReset.value, 0.2),
    (DeviceRegistrationState.unknown.value, 1),
)  # fmt: skip

SLOTS = 1024
T = TypeVar("T")


@dataclass(frozen=True, slots=True)
class Table(Generic[T]):
    """A weighted choice as a lookup table: ``slots[h & 1023]`` is the index of the chosen value."""

    values: tuple[T, ...]
    slots: bytes

    @classmethod
    def of(cls, weighted: Sequence[tuple[T, float]]) -> Table[T]:
        values = tuple(value for value, _ in weighted)
        total = sum(weight for _, weight in weighted)
        exact = [weight * SLOTS / total for _, weight in weighted]
        counts = [max(1, int(share)) for share in exact]  # every value keeps at least one slot
        # Largest remainder: hand the leftover slots to the values that lost most to rounding.
        order = sorted(range(len(exact)), key=lambda k: exact[k] - int(exact[k]), reverse=True)
        for k in order[: SLOTS - sum(counts)]:
            counts[k] += 1
        while sum(counts) > SLOTS:
            counts[counts.index(max(counts))] -= 1
        return cls(values, bytes(k for k, count in enumerate(counts) for _ in range(count)))

    def pick(self, hash_bits: int) -> T:
        return self.values[self.slots[hash_bits & (SLOTS - 1)]]

    def share(self, value: T) -> float:
        """The fraction of slots (so of devices, on average) that pick ``value``."""
        return self.slots.count(self.values.index(value)) / SLOTS
