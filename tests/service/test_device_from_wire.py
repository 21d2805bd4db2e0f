"""Enrolment reads a device with few calls (enum maps, positional record, extras only when present): it must build
the same device, draw the same random ids and refuse the same input with the same error as the plain reading."""

from __future__ import annotations

import random
import sys
from datetime import UTC, datetime
from enum import StrEnum
from typing import Any

from hypothesis import given
from hypothesis import strategies as st

from simulator.domain.device_identity import EXPLICIT
from simulator.domain.devices import EnrolledDevice, InstalledApp
from simulator.domain.enums import DeviceRegistrationState, ManagedDeviceOwnerType, Platform
from simulator.errors import InvalidRequest
from simulator.service.devices import _uuid, device_from_wire, device_to_wire, devices_from_wire, draw_uuids

NOW = datetime(2026, 11, 25, 10, 30, tzinfo=UTC)


def _plain_enum(kind: type[StrEnum], data: dict[str, Any], key: str, default: StrEnum | None, pointer: str) -> Any:
    value = data.get(key)
    if value is None and default is not None:
        return default
    try:
        return kind(value if isinstance(value, str) else repr(value))
    except ValueError:
        allowed = ", ".join(m.value for m in kind)
        raise InvalidRequest("invalidRequest", f"{key} must be one of {allowed}, not {value!r}",
                             target=f"{pointer}/{key}") from None  # fmt: skip


def _plain_text(data: dict[str, Any], key: str, pointer: str) -> str:
    value = data.get(key)
    if not isinstance(value, str) or not value:
        raise InvalidRequest("invalidRequest", f"{key} must be a non-empty string", target=f"{pointer}/{key}")
    return value


def plain_reading(data: dict[str, Any], rng: random.Random, pointer: str) -> EnrolledDevice:
    """The reference: the reading before it was made cheap (keyword arguments, one helper call per field)."""
    return EnrolledDevice(
        id=str(data.get("id") or _uuid(rng)),
        azure_ad_device_id=_uuid(rng) if data.get("azureADDeviceId") is None else str(data["azureADDeviceId"]),
        platform=_plain_enum(Platform, data, "platform", None, pointer),
        os_version=_plain_text(data, "osVersion", pointer),
        enrolled_at=NOW,
        owner_type=_plain_enum(ManagedDeviceOwnerType, data, "ownerType", ManagedDeviceOwnerType.company, pointer),
        registration_state=_plain_enum(DeviceRegistrationState, data, "deviceRegistrationState",
                                       DeviceRegistrationState.registered, pointer),
        user_principal_name=str(data.get("userPrincipalName", "")),
        device_name=str(data.get("deviceName", "")),
        manufacturer=sys.intern(str(data.get("manufacturer", ""))),
        model=sys.intern(str(data.get("model", ""))),
        apps=tuple(InstalledApp.from_wire(dict(app)) for app in apps) if (apps := data.get("installedApps")) else (),
        extras=tuple((name, data[name]) for name in EXPLICIT if name in data),
    )


def outcome(read: Any, data: Any) -> tuple[Any, Any]:
    rng = random.Random(7)
    try:
        result: Any = read(data, rng)
    except InvalidRequest as exc:
        result = (exc.code, exc.message, exc.target)
    return result, rng.random()  # the draws left behind: the next device's ids depend on them


def enum_value(members: list[str]) -> st.SearchStrategy[Any]:
    return st.sampled_from([*members, "Android", "unknownFutureValue", "", 7, None])


devices = st.fixed_dictionaries(
    {},
    optional={
        "id": st.sampled_from(["", "intune-1", None, 12]),
        "azureADDeviceId": st.sampled_from(["00000000-0000-4000-8000-000000000001", None, 5]),
        "platform": enum_value([p.value for p in Platform]),
        "osVersion": st.sampled_from(["14.0", "17.4", "", None, 14]),
        "ownerType": enum_value([o.value for o in ManagedDeviceOwnerType]),
        "deviceRegistrationState": enum_value([s.value for s in DeviceRegistrationState]),
        "userPrincipalName": st.sampled_from(["a@contoso.example", ""]),
        "deviceName": st.sampled_from(["Pixel", ""]),
        "manufacturer": st.sampled_from(["Google", ""]),
        "model": st.sampled_from(["Pixel 9", ""]),
        "installedApps": st.sampled_from([[], [{"bundleId": "com.contoso.app"}]]),
        "serialNumber": st.sampled_from(["R5CT1234567"]),
        "isSupervised": st.booleans(),
        "imei": st.sampled_from(["356938035643809"]),
    },
)


@given(devices)
def test_a_device_reads_as_the_plain_reading_reads_it(data: dict[str, Any]) -> None:
    fast = outcome(lambda d, rng: device_from_wire(d, NOW, rng, "/devices/3"), data)
    assert fast == outcome(lambda d, rng: plain_reading(d, rng, "/devices/3"), data)


@given(devices)
def test_the_enroll_shape_written_back_has_the_partner_fields_in_their_order(data: dict[str, Any]) -> None:
    try:
        device = device_from_wire(data, NOW, random.Random(1))
    except InvalidRequest:
        return
    expected = {"id": device.id, **device.to_partner_wire(), "deviceName": device.device_name, **dict(device.extras),
                "installedApps": [app.to_wire() for app in device.apps]}  # fmt: skip
    assert list(device_to_wire(device).items()) == list(expected.items())


@given(st.integers(0, 300), st.integers(0, 2**32))
def test_drawing_a_batch_of_ids_at_once_gives_the_ids_drawing_them_one_by_one_gives(count: int, seed: int) -> None:
    at_once, one_by_one = random.Random(seed), random.Random(seed)
    assert draw_uuids(at_once, count) == [_uuid(one_by_one) for _ in range(count)]
    assert at_once.random() == one_by_one.random()  # and leaves the generator where one by one leaves it


def one_by_one(items: list[dict[str, Any]], rng: random.Random) -> list[EnrolledDevice]:
    return [device_from_wire(d, NOW, rng, f"/devices/{i}") for i, d in enumerate(items)]


def batched(items: list[dict[str, Any]], rng: random.Random) -> list[EnrolledDevice]:
    return devices_from_wire(items, NOW, rng)


# Devices that read without error, each drawing none, one or both of its ids.
valid_devices = st.fixed_dictionaries(
    {"platform": st.sampled_from(["android", "ios"]), "osVersion": st.sampled_from(["14.0", "17.4"])},
    optional={"id": st.sampled_from(["", "intune-1", None]),
              "azureADDeviceId": st.sampled_from(["00000000-0000-4000-8000-000000000001", None])},
)  # fmt: skip


@given(st.lists(valid_devices, max_size=12))
def test_a_batch_reads_as_its_devices_read_one_by_one_with_the_same_draws(batch: list[dict[str, Any]]) -> None:
    assert outcome(batched, batch) == outcome(one_by_one, batch)  # devices, ids, and the generator's state after


@given(st.lists(devices, max_size=6))
def test_a_batch_with_a_bad_device_is_refused_as_one_by_one_refuses_it(batch: list[dict[str, Any]]) -> None:
    """The same devices or the same error; a refused batch may have drawn more (its draws come before its first
    device is read), so the generator's state is compared only when the batch was read."""
    ours, expected = outcome(batched, batch), outcome(one_by_one, batch)
    assert ours == expected if isinstance(expected[0], list) else ours[0] == expected[0]
