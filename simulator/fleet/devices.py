"""Simulated devices: one compact fleet of Android and iOS devices, materialised one device at a time.

Device ``i`` of platform P under seed S is a pure function of (S, P, i): its fields come from one 64-bit hash
(``hashing.splitmix64``) sliced into 10-bit lookups in the mix tables, its user and app list from further hashes.
A ``Fleet`` stores only three bytes per device (the decoded categorical fields); strings, the Azure AD device id
and the app list are rebuilt on access, so a million devices fit in a few megabytes.
"""

from __future__ import annotations

import functools
from collections import Counter
from collections.abc import Iterator
from typing import Any, NamedTuple

from simulator.domain.enums import Platform
from simulator.fleet import mix
from simulator.fleet.apps import installed_apps
from simulator.fleet.hashing import MASK64, splitmix64, uuid_from
from simulator.fleet.pools import NAME_SPACE, pools_for, user_principal_name

__all__ = ["Fleet", "SimDevice", "device_at"]

_OS = {Platform.android: mix.Table.of(mix.ANDROID_OS_VERSIONS), Platform.ios: mix.Table.of(mix.IOS_OS_VERSIONS)}
_MODELS = {Platform.android: mix.Table.of(mix.ANDROID_MODELS), Platform.ios: mix.Table.of(mix.IOS_MODELS)}
_OWNER = mix.Table.of(mix.OWNERSHIP)
_REGISTRATION = mix.Table.of(mix.REGISTRATION)
_STREAM = {Platform.android: 0xA7D2, Platform.ios: 0x1055}
_SHARED_USER_SLOTS = 205  # of 1024: about one device in five belongs to the user of the previous device
_AAD_SALT = 0x5EED_AAD0
_INTUNE_SALT = 0x1D7E_5EED


class SimDevice(NamedTuple):
    """One simulated device as a partner and Intune see it. ``key`` is unique in the fleet and seeds behaviour.

    A NamedTuple, like the domain's ThreatReport: one is built per device materialised (a million for a large
    fleet), and a frozen slotted dataclass costs five times as much to construct. It is just as immutable.
    """

    seed: int
    platform: Platform
    number: int  # device ``number`` of its platform under ``seed`` (``index`` would shadow tuple.index)
    azure_ad_device_id: str
    os_version: str
    manufacturer: str
    model: str
    owner_type: str
    registration_state: str
    user_principal_name: str

    @property
    def key(self) -> int:
        return self.number * 2 + (self.platform is Platform.ios)

    @property
    def registered(self) -> bool:
        return self.registration_state == "registered"

    def installed_apps(self) -> list[dict[str, Any]]:
        """App Sync entries (iOS only; Android devices have none here, as App Sync is iOS-only)."""
        if self.platform is not Platform.ios:
            return []
        return installed_apps(self.seed, self.key, personal=self.owner_type == "personal")

    def to_enrollment(self) -> dict[str, Any]:
        """The device in the control API's enroll shape (``POST /_sim/tenants/{tid}/devices``)."""
        first = self.user_principal_name.split(".", 1)[0].capitalize()
        key = splitmix64(self.key ^ splitmix64(self.seed & MASK64))
        return {
            "id": uuid_from(splitmix64(key ^ _INTUNE_SALT), key),
            **self.to_partner_view(),
            "deviceName": f"{first}'s {self.model}",
            "manufacturer": self.manufacturer,  # so Graph's managedDevice shows the seeded hardware
            "model": self.model,
            **({"installedApps": self.installed_apps()} if self.platform is Platform.ios else {}),
        }

    def to_partner_view(self) -> dict[str, Any]:
        """The device as ``GET /partner/v1/devices`` lists it."""
        return {
            "azureADDeviceId": self.azure_ad_device_id,
            "platform": self.platform.value,
            "osVersion": self.os_version,
            "ownerType": self.owner_type,
            "userPrincipalName": self.user_principal_name,
            "deviceRegistrationState": self.registration_state,
        }


@functools.lru_cache(maxsize=64)
def _base(seed: int, platform: Platform) -> int:
    return splitmix64(splitmix64(seed & MASK64) ^ _STREAM[platform])


def _user(platform: Platform, index: int, bits: int) -> int:
    owner_index = index - 1 if index and (bits >> 40) & 1023 < _SHARED_USER_SLOTS else index
    return owner_index * 2 + (platform is Platform.ios)  # disjoint user numbers per platform


def device_at(seed: int, platform: Platform, index: int) -> SimDevice:
    """Device ``index`` of ``platform`` under ``seed``: the same whatever the fleet size."""
    bits = splitmix64(_base(seed, platform) ^ index)
    manufacturer, model = _MODELS[platform].pick(bits >> 10)
    # The low half of the id is ``bits`` itself: splitmix64 is a bijection, so ids never collide within a platform.
    aad_id = uuid_from(splitmix64(bits ^ _AAD_SALT), bits)
    upn = user_principal_name(pools_for(seed), _user(platform, index, bits))
    # Positional on purpose: this is the materialisation hot path (keywords cost ~10% here).
    return SimDevice(seed, platform, index, aad_id, _OS[platform].pick(bits), manufacturer, model,
                     _OWNER.pick(bits >> 20), _REGISTRATION.pick(bits >> 30), upn)  # fmt: skip


class _Columns:
    """Decoded categorical fields of one platform's devices: one byte each per device."""

    __slots__ = ("flags", "model", "os")

    def __init__(self, seed: int, platform: Platform, count: int) -> None:
        base = _base(seed, platform)
        os_slots, model_slots = _OS[platform].slots, _MODELS[platform].slots
        owner_slots, reg_slots = _OWNER.slots, _REGISTRATION.slots
        self.os = bytearray(count)
        self.model = bytearray(count)
        self.flags = bytearray(count)
        os_col, model_col, flags_col = self.os, self.model, self.flags
        # Inlined splitmix64: this loop is the fleet's creation rate (DESIGN 6: >= 200k devices/s).
        for i in range(count):
            z = (base ^ i) + 0x9E3779B97F4A7C15 & MASK64
            z = (z ^ (z >> 30)) * 0xBF58476D1CE4E5B9 & MASK64
            z = (z ^ (z >> 27)) * 0x94D049BB133111EB & MASK64
            z ^= z >> 31
            os_col[i] = os_slots[z & 1023]
            model_col[i] = model_slots[(z >> 10) & 1023]
            flags_col[i] = owner_slots[(z >> 20) & 1023] | reg_slots[(z >> 30) & 1023] << 2


class Fleet:
    """A fleet of ``android`` Android devices and ``ios`` iOS devices built from ``seed``."""

    def __init__(self, seed: int, *, android: int = 0, ios: int = 0) -> None:
        if android < 0 or ios < 0:
            raise ValueError("device counts must be >= 0")
        self.seed = seed
        self.counts = {Platform.android: android, Platform.ios: ios}
        self._columns = {p: _Columns(seed, p, n) for p, n in self.counts.items()}

    def __len__(self) -> int:
        return sum(self.counts.values())

    def device(self, platform: Platform, index: int) -> SimDevice:
        if not 0 <= index < self.counts[platform]:
            raise IndexError(f"{platform.value} device {index} not in this fleet")
        return device_at(self.seed, platform, index)

    def __iter__(self) -> Iterator[SimDevice]:
        """Every device, as ``device_at`` builds it: Android first, then iOS, each by number."""
        for platform in self.counts:
            yield from _materialise(self.seed, platform, self._columns[platform])

    def distribution(self, platform: Platform, field: str) -> Counter[str]:
        """Counts of one field ("os_version", "model", "owner_type", "registration_state") from the columns."""
        cols = self._columns[platform]
        if field not in _FIELDS:
            raise ValueError(f"unknown field {field!r}")
        counts: Counter[str] = Counter()
        for k, n in Counter(getattr(cols, _FIELDS[field])).items():
            counts[_decode(platform, field, k)] += n
        return counts


def _materialise(seed: int, platform: Platform, columns: _Columns) -> Iterator[SimDevice]:
    """``device_at`` for every device of one platform, in one loop (DESIGN 6: >= 200k devices/s created).

    The categorical fields come from the fleet's columns instead of four table picks, and the hash and the
    UPN are inlined (a call per device for each made the loop ~1.6x slower); tests/fleet check it against
    ``device_at``.
    """
    base = _base(seed, platform)
    os_values, model_values = _OS[platform].values, _MODELS[platform].values
    owner_values, registration_values = _OWNER.values, _REGISTRATION.values
    os_col, model_col, flags_col = columns.os, columns.model, columns.flags
    pools = pools_for(seed)
    first, last, at_domain = pools.first, pools.last, "@" + pools.domain
    firsts, lasts = len(first), len(last)
    ios = platform is Platform.ios
    new = tuple.__new__  # skips SimDevice's Python-level __new__, as a NamedTuple call would not
    for index in range(len(os_col)):
        z = (base ^ index) + 0x9E3779B97F4A7C15 & MASK64
        z = (z ^ (z >> 30)) * 0xBF58476D1CE4E5B9 & MASK64
        z = (z ^ (z >> 27)) * 0x94D049BB133111EB & MASK64
        bits = z ^ (z >> 31)
        z = (bits ^ _AAD_SALT) + 0x9E3779B97F4A7C15 & MASK64
        z = (z ^ (z >> 30)) * 0xBF58476D1CE4E5B9 & MASK64
        z = (z ^ (z >> 27)) * 0x94D049BB133111EB & MASK64
        user = (index - 1 if index and (bits >> 40) & 1023 < _SHARED_USER_SLOTS else index) * 2 + ios
        manufacturer, model = model_values[model_col[index]]
        flags = flags_col[index]
        yield new(SimDevice, (seed, platform, index, uuid_from(z ^ (z >> 31), bits), os_values[os_col[index]],
                              manufacturer, model, owner_values[flags & 3], registration_values[flags >> 2],
                              f"{first[user % firsts]}.{last[user // firsts % lasts]}{user // NAME_SPACE or ''}"
                              f"{at_domain}"))  # fmt: skip


_FIELDS = {"os_version": "os", "model": "model", "owner_type": "flags", "registration_state": "flags"}


def _decode(platform: Platform, field: str, k: int) -> str:
    if field == "os_version":
        return _OS[platform].values[k]
    if field == "model":
        return _MODELS[platform].values[k][1]
    if field == "owner_type":
        return _OWNER.values[k & 3]
    return _REGISTRATION.values[k >> 2]
