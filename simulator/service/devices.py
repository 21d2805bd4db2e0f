"""Enroll-shape device dicts (control API and config files) to domain ``EnrolledDevice`` records."""

from __future__ import annotations

import random
import sys
from collections.abc import Callable, Mapping, Sequence
from datetime import datetime
from enum import StrEnum
from functools import lru_cache, partial
from typing import Any, TypeVar

from simulator.domain.device_identity import EXPLICIT
from simulator.domain.devices import EnrolledDevice, InstalledApp
from simulator.domain.enums import DeviceRegistrationState, ManagedDeviceOwnerType, Platform
from simulator.errors import InvalidRequest

__all__ = ["device_from_wire", "device_to_wire", "devices_from_wire", "draw_uuids"]

E = TypeVar("E", bound=StrEnum)


def device_from_wire(data: Mapping[str, Any], now: datetime, rng: random.Random, pointer: str = "") -> EnrolledDevice:
    """Build a device; the Intune device id (and the azureADDeviceId) is drawn from ``rng`` unless given, so a seed
    replays exactly."""
    return _read_device(data, now, partial(_uuid, rng), pointer)


def devices_from_wire(items: Sequence[Mapping[str, Any]], now: datetime, rng: random.Random) -> list[EnrolledDevice]:
    """``device_from_wire`` for each device of a batch (pointers ``/devices/{index}``), with the same ids from the same
    draws: the ids the batch needs are drawn at once (``draw_uuids``), which costs a quarter of drawing them one by
    one. A batch refused part-way has used all of its draws, not only those of the devices before the refusal."""
    needed = sum(1 for d in items if not d.get("id")) + sum(1 for d in items if d.get("azureADDeviceId") is None)
    draw = iter(draw_uuids(rng, needed)).__next__
    return [_read_device(d, now, draw, f"/devices/{i}") for i, d in enumerate(items)]


def _read_device(data: Mapping[str, Any], now: datetime, draw: Callable[[], str], pointer: str) -> EnrolledDevice:
    """The device in ``data``; ``draw`` gives the next random id (the Intune id first, then the azureADDeviceId,
    each only when not given: ``devices_from_wire`` counts them the same way).

    The control API enrolls a million devices in batches of 10,000, so the usual device (known enum values, no
    optional fields) costs few calls: enum values are read from maps, a value that is not a member goes through
    ``_enum`` for its error, the record is built as a tuple of all its fields (``tuple.__new__``, without the
    NamedTuple's own ``__new__`` frame), and the optional Graph properties are looked for only when the device has
    keys beyond the usual ones.
    """
    get = data.get
    intune_id = str(get("id") or draw())  # drawn first: the order of draws is what a seed replays
    aad = get("azureADDeviceId")
    platform = _PLATFORMS.get(value) if isinstance(value := get("platform"), str) else None
    os_version = get("osVersion")
    owner_type = _OWNERS.get(value) if isinstance(value := get("ownerType", _COMPANY), str) else None
    state = _STATES.get(value) if isinstance(value := get("deviceRegistrationState", _REGISTERED), str) else None
    return _new_record(EnrolledDevice, (
        intune_id,
        draw() if aad is None else str(aad),
        _enum(Platform, data, "platform", None, pointer) if platform is None else platform,
        os_version if isinstance(os_version, str) and os_version else _text(data, "osVersion", pointer),
        now,
        _enum(ManagedDeviceOwnerType, data, "ownerType", _COMPANY_MEMBER, pointer) if owner_type is None
        else owner_type,
        _enum(DeviceRegistrationState, data, "deviceRegistrationState", _REGISTERED_MEMBER, pointer) if state is None
        else state,
        str(get("userPrincipalName", "")),
        str(get("deviceName", "")),
        # Interned: a fleet repeats a few dozen hardware names, and a string per device would cost ~100 B each.
        sys.intern(str(get("manufacturer", ""))),
        sys.intern(str(get("model", ""))),
        tuple(InstalledApp.from_wire(dict(app)) for app in apps) if (apps := get("installedApps")) else (),
        () if data.keys() <= _USUAL_KEYS else tuple((name, data[name]) for name in EXPLICIT if name in data),
    ))  # fmt: skip


_new_record = tuple.__new__
_PLATFORMS: dict[str, Platform] = dict(Platform._value2member_map_)
_OWNERS: dict[str, ManagedDeviceOwnerType] = dict(ManagedDeviceOwnerType._value2member_map_)
_STATES: dict[str, DeviceRegistrationState] = dict(DeviceRegistrationState._value2member_map_)
_COMPANY_MEMBER, _REGISTERED_MEMBER = ManagedDeviceOwnerType.company, DeviceRegistrationState.registered
_COMPANY, _REGISTERED = _COMPANY_MEMBER.value, _REGISTERED_MEMBER.value
# Keys of the enroll shape that are not among the explicit Graph properties (EXPLICIT): a device with only these
# has no extras.
_USUAL_KEYS = frozenset({"id", "azureADDeviceId", "platform", "osVersion", "ownerType", "deviceRegistrationState",
                         "userPrincipalName", "deviceName", "manufacturer", "model", "installedApps"})  # fmt: skip


def _uuid(rng: random.Random) -> str:
    """``str(uuid.UUID(int=rng.getrandbits(128), version=4))`` with the same bits (one id of ``draw_uuids``)."""
    return draw_uuids(rng, 1)[0]


def draw_uuids(rng: random.Random, count: int) -> list[str]:
    """``count`` successive 128-bit draws as ``str(uuid.UUID(int=bits, version=4))`` would write each, the same texts
    and generator state as drawing them one by one, written for the whole batch at once.

    ``getrandbits(128 * count)`` is ``count`` draws of 128 bits, the first in the lowest bits (CPython fills an int
    with 32-bit outputs from the least significant word up, as each 128-bit draw does), so the big-endian bytes hold
    the last draw first. Each of the 32 hex digits of every id is then copied to its column of the 37-byte rows
    (36 characters and a space) by one slice assignment, and ``split`` cuts the rows: ~0.3 us per id against ~1.
    """
    if count <= 0:
        return []
    clear, fill = _uuid_masks(count)
    digits = (((rng.getrandbits(128 * count) & clear) | fill).to_bytes(16 * count, "big")).hex().encode("ascii")
    rows = bytearray(b"-" * (37 * count))
    for digit, column in enumerate(_UUID_COLUMNS):
        rows[column::37] = digits[digit::32]
    rows[36::37] = b" " * count
    return rows.decode("ascii").split()[::-1]


@lru_cache(maxsize=16)  # a client enrolling in batches sends the same size again and again
def _uuid_masks(count: int) -> tuple[int, int]:
    """``_UUID_CLEAR`` and ``_UUID_SET`` repeated ``count`` times."""
    return (int.from_bytes(_UUID_CLEAR.to_bytes(16, "big") * count, "big"),
            int.from_bytes(_UUID_SET.to_bytes(16, "big") * count, "big"))  # fmt: skip


# The variant and version bits, cleared and set as uuid.UUID(version=4) does.
_UUID_CLEAR = ((1 << 128) - 1) & ~((0xC000 << 48) | (0xF000 << 64))
_UUID_SET = (0x8000 << 48) | (4 << 76)
# Hex digit -> its column in the 8-4-4-4-12 text.
_UUID_COLUMNS = [digit + sum(digit >= edge for edge in (8, 12, 16, 20)) for digit in range(32)]


def device_to_wire(device: EnrolledDevice) -> dict[str, Any]:
    """The enroll shape back (control API answers), Intune device id included: ``to_partner_wire``'s fields
    written out here, in its order, because enrolment answers a million of these (a call and two merges less)."""
    wire: dict[str, Any] = {
        "id": device.id,
        "azureADDeviceId": device.azure_ad_device_id,
        "platform": device.platform._value_,
        "osVersion": device.os_version,
        "ownerType": device.owner_type._value_,
        "userPrincipalName": device.user_principal_name,
        "deviceRegistrationState": device.registration_state._value_,
        "deviceName": device.device_name,
    }
    if device.extras:
        wire.update(device.extras)
    wire["installedApps"] = [app.to_wire() for app in device.apps] if device.apps else []
    return wire


def _text(data: Mapping[str, Any], key: str, pointer: str) -> str:
    value = data.get(key)
    if not isinstance(value, str) or not value:
        raise InvalidRequest("invalidRequest", f"{key} must be a non-empty string", target=f"{pointer}/{key}")
    return value


def _enum(kind: type[E], data: Mapping[str, Any], key: str, default: E | None, pointer: str) -> E:
    value = data.get(key)
    if value is None and default is not None:
        return default
    member = kind._value2member_map_.get(value) if isinstance(value, str) else None  # an Enum call costs 10x this
    if member is not None:
        return member  # type: ignore[return-value]
    try:
        return kind(value if isinstance(value, str) else repr(value))
    except ValueError:
        allowed = ", ".join(m.value for m in kind)
        raise InvalidRequest(
            "invalidRequest", f"{key} must be one of {allowed}, not {value!r}", target=f"{pointer}/{key}"
        ) from None
