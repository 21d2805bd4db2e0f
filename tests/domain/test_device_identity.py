from __future__ import annotations

from datetime import UTC, datetime

from simulator.domain.device_identity import derived_identity, luhn_digit
from simulator.domain.devices import EnrolledDevice
from simulator.domain.enums import ManagedDeviceOwnerType, Platform

AT = datetime(2026, 11, 25, 14, 5, tzinfo=UTC)


def device(device_id: str = "d1", **kw: object) -> EnrolledDevice:
    return EnrolledDevice(device_id, "00000000-0000-4000-8000-000000000001", Platform.android, "14.0", AT, **kw)  # type: ignore[arg-type]


def test_luhn_digit_matches_a_known_imei() -> None:
    assert luhn_digit("49015420323751") == "8"


def test_the_same_id_gives_the_same_facts_and_another_id_other_ones() -> None:
    assert derived_identity(device("a")) == derived_identity(device("a"))
    assert derived_identity(device("a"))["serialNumber"] != derived_identity(device("b"))["serialNumber"]


def test_names_follow_the_user_principal_name_and_the_enrolment_time() -> None:
    facts = derived_identity(device(user_principal_name="adele_vance@contoso.example"))
    assert facts["userDisplayName"] == "Adele Vance"
    assert facts["managedDeviceName"] == "adele_vance_Android_11/25/2026_2:05 PM"
    userless = derived_identity(device())
    assert (userless["userId"], userless["userDisplayName"], userless["emailAddress"]) == ("", "", "")


def test_a_personal_android_is_not_supervised_and_explicit_values_win() -> None:
    facts = derived_identity(device(owner_type=ManagedDeviceOwnerType.personal, extras=(("imei", "1"),)))
    assert (facts["isSupervised"], facts["deviceEnrollmentType"], facts["imei"]) == (False, "userEnrollment", "1")


def test_user_id_is_the_uuid5_of_the_lowercased_upn() -> None:
    import uuid

    from simulator.domain.device_identity import _USER_NAMESPACE

    facts = derived_identity(device(user_principal_name="Adele@Contoso.example"))
    assert facts["userId"] == str(uuid.uuid5(_USER_NAMESPACE, "adele@contoso.example"))
