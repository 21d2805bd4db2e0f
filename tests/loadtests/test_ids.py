from __future__ import annotations

import itertools
import uuid

import pytest

from loadtests.ids import DeviceSlot, device_id, device_platform, slot_of


def test_device_ids_are_unique_across_workers_users_and_devices() -> None:
    slots = list(itertools.product(range(4), range(50), range(10)))
    ids = {device_id(42, w, u, n) for w, u, n in slots}
    assert len(ids) == len(slots)


def test_device_id_is_a_version_4_uuid() -> None:
    parsed = uuid.UUID(device_id(2**31 - 1, 65535, 2**32 - 1, 2**42 - 1))
    assert parsed.version == 4
    assert parsed.variant == uuid.RFC_4122


def test_the_same_slot_gives_the_same_id_and_another_seed_another_id() -> None:
    assert device_id(7, 1, 2, 3) == device_id(7, 1, 2, 3)
    assert device_id(7, 1, 2, 3) != device_id(8, 1, 2, 3)


def test_slot_of_recovers_the_slot_from_the_id() -> None:
    assert slot_of(device_id(123456, 3, 99, 7)) == DeviceSlot(123456, 3, 99, 7)


def test_out_of_range_worker_index_is_refused() -> None:
    with pytest.raises(ValueError, match="worker index"):
        device_id(1, 1 << 16, 0, 0)


def test_half_of_a_users_devices_are_ios() -> None:
    platforms = [device_platform(5, n) for n in range(10)]
    assert platforms.count("ios") == 5
