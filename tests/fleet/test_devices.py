from __future__ import annotations

import itertools
import uuid
from collections import Counter

import orjson

from simulator.domain.catalog import CATALOG
from simulator.domain.enums import Platform
from simulator.domain.versions import version_below
from simulator.fleet import Fleet, SimDevice, device_at
from simulator.fleet.hashing import uuid_from
from simulator.fleet.mix import ANDROID_OS_VERSIONS, Table

SEED = 20261125


def _fleet_bytes(fleet: Fleet) -> bytes:
    return orjson.dumps([device.to_enrollment() for device in fleet])


def test_same_seed_gives_the_same_fleet_byte_for_byte() -> None:
    first = _fleet_bytes(Fleet(SEED, android=300, ios=300))
    second = _fleet_bytes(Fleet(SEED, android=300, ios=300))
    assert first == second
    assert first != _fleet_bytes(Fleet(SEED + 1, android=300, ios=300))


def test_device_i_is_the_same_whatever_the_fleet_size() -> None:
    small = Fleet(SEED, android=10, ios=5)
    large = Fleet(SEED, android=5000, ios=7000)
    for platform, count in small.counts.items():
        for index in range(count):
            assert small.device(platform, index) == large.device(platform, index)
    assert large.device(Platform.ios, 4) == device_at(SEED, Platform.ios, 4)


def test_iterating_a_fleet_gives_exactly_what_device_at_gives() -> None:
    for seed in (SEED, 7, 2**70 + 3):  # a seed beyond 64 bits is reduced like any other
        fleet = Fleet(seed, android=1500, ios=2500)
        expected = [device_at(seed, p, i) for p in (Platform.android, Platform.ios) for i in range(fleet.counts[p])]
        devices = list(fleet)
        assert devices == expected
        assert all(type(d) is SimDevice and d.key == e.key for d, e in zip(devices, expected, strict=True))
    big = Fleet(SEED, android=0, ios=300_000)  # users past 512 x 512 names get a numeric suffix
    assert [d.user_principal_name for d in itertools.islice(big, 299_990, None)] == [
        device_at(SEED, Platform.ios, i).user_principal_name for i in range(299_990, 300_000)]


def test_fleet_mixes_platforms_owners_registration_states_and_users() -> None:
    fleet = Fleet(SEED, android=4000, ios=6000)
    assert Counter(d.platform for d in fleet) == {Platform.android: 4000, Platform.ios: 6000}
    for platform in Platform:
        owners = fleet.distribution(platform, "owner_type")
        assert owners["company"] > owners["personal"] > 0
        states = fleet.distribution(platform, "registration_state")
        assert 0.85 < states["registered"] / fleet.counts[platform] < 0.97
        assert states["notRegistered"] > 0
        assert len(fleet.distribution(platform, "model")) >= 10
    upns = Counter(d.user_principal_name for d in fleet)
    assert len(upns) > 7000  # most users have one device
    assert max(upns.values()) >= 2  # some have two


def test_os_versions_reach_below_every_catalog_partners_minimum() -> None:
    fleet = Fleet(SEED, android=20000, ios=20000)
    for partner in CATALOG.values():
        for platform in Platform:
            minimum = partner.minimum_version(platform)
            if minimum is None:
                continue
            versions = fleet.distribution(platform, "os_version")
            below = sum(n for v, n in versions.items() if version_below(v, minimum))
            assert 0 < below < fleet.counts[platform], (partner.key, platform)


def test_azure_ad_and_intune_device_ids_are_unique_uuids() -> None:
    devices = [d.to_enrollment() for d in Fleet(SEED, android=2000, ios=2000)]
    aad = {d["azureADDeviceId"] for d in devices}
    intune = {d["id"] for d in devices}
    assert len(aad) == len(intune) == 4000
    assert all(uuid.UUID(value).version == 4 for value in aad | intune)


def test_ios_devices_list_managed_and_unmanaged_apps_and_android_devices_none() -> None:
    fleet = Fleet(SEED, android=50, ios=200)
    ios = [d for d in fleet if d.platform is Platform.ios]
    personal = [d for d in ios if d.owner_type == "personal"]
    assert personal
    for device in personal:
        apps = device.installed_apps()
        assert any(a["isManaged"] for a in apps) and any(not a["isManaged"] for a in apps)
    bundle_ids = {a["bundleId"] for d in ios for a in d.installed_apps()}
    assert {"com.microsoft.Office.Outlook", "net.whatsapp.WhatsApp"} <= bundle_ids
    assert all(d.installed_apps() == [] for d in fleet if d.platform is Platform.android)


def test_app_lists_have_the_app_sync_fields_and_distinct_bundle_ids() -> None:
    expected = {"bundleId", "version", "shortVersion", "name", "bundleSize", "dynamicSize", "isAdHocCodeSigned",
                "isAppStoreVendable", "isBetaApp", "isDeviceBasedVpp", "isValidated", "isManaged"}  # fmt: skip
    for device in Fleet(SEED, ios=100):
        apps = device.installed_apps()
        assert all(set(app) == expected for app in apps)
        assert len({app["bundleId"] for app in apps}) == len(apps)


def test_lookup_tables_keep_each_share_within_a_slot_of_its_weight() -> None:
    table = Table.of(ANDROID_OS_VERSIONS)
    total = sum(weight for _, weight in ANDROID_OS_VERSIONS)
    for value, weight in ANDROID_OS_VERSIONS:
        assert abs(table.share(value) - weight / total) <= 1.5 / 1024


def test_fleet_columns_agree_with_the_materialised_devices() -> None:
    fleet = Fleet(SEED, android=700, ios=900)
    for platform in Platform:
        devices = [d for d in fleet if d.platform is platform]
        assert fleet.distribution(platform, "os_version") == Counter(d.os_version for d in devices)
        assert fleet.distribution(platform, "model") == Counter(d.model for d in devices)
        assert fleet.distribution(platform, "owner_type") == Counter(d.owner_type for d in devices)
        assert fleet.distribution(platform, "registration_state") == Counter(d.registration_state for d in devices)


def test_uuid_from_sets_version_4_and_the_rfc_4122_variant_and_keeps_every_other_bit() -> None:
    assert uuid_from(0x0123456789ABCDEF, 0xFEDCBA9876543210) == "01234567-89ab-4def-bedc-ba9876543210"
    assert uuid_from(0, 0) == "00000000-0000-4000-8000-000000000000"
    assert uuid_from(2**64 - 1, 2**64 - 1) == "ffffffff-ffff-4fff-bfff-ffffffffffff"
    assert str(uuid.UUID(uuid_from(12345, 67890))) == uuid_from(12345, 67890)
