"""managedDevice carries every v1.0 property, filled from the device's seed or what enrolment gave explicitly."""

from __future__ import annotations

from typing import Any

from simulator.domain.device_identity import luhn_digit

Api = Any
DEVICES = "/{}/deviceManagement/managedDevices"
EXPLICIT = {"serialNumber": "C39XK0ABCDEF", "imei": "490154203237518", "userId": "5b4bd3a7-9e0c-4e63-8a39-1f2d6b1f1a01",
            "userDisplayName": "Adele Vance", "emailAddress": "adele@contoso.example", "managedDeviceName": "ipad",
            "phoneNumber": "+31 6 12345678", "isSupervised": False, "isEncrypted": False,
            "deviceEnrollmentType": "appleUserEnrollment"}  # fmt: skip


async def enroll(api: Api, **device: Any) -> dict[str, Any]:
    body = {"devices": [{"platform": "ios", "osVersion": "17.5", **device}]}
    created = await api.call("POST", f"/_sim/tenants/{api.TENANT}/devices", as_="control", json=body, status=201)
    return created["value"][0]  # type: ignore[no-any-return]


async def test_every_device_has_every_v1_property_with_its_cosmetic_facts_filled(api: Api) -> None:
    devices = (await api.call("GET", DEVICES.format("v1.0")))["value"]
    assert devices and all(len(d) == 56 for d in devices)
    for device in devices:
        assert device["model"] and device["manufacturer"] and device["deviceName"] and device["managedDeviceName"]
        assert len(device["serialNumber"]) >= 11 and device["wiFiMacAddress"]
        assert len(device["imei"]) == 15 and device["imei"][-1] == luhn_digit(device["imei"][:14])
        assert device["isEncrypted"] is True and device["complianceGracePeriodExpirationDateTime"].startswith("9999")
        assert device["totalStorageSpaceInBytes"] > device["freeStorageSpaceInBytes"] > 0
    assert len({d["serialNumber"] for d in devices}) == len(devices)


async def test_derived_values_are_the_same_on_every_read_and_follow_the_user(api: Api) -> None:
    enrolled = await enroll(api, userPrincipalName="megan.bowen@contoso.example")
    path = f"{DEVICES.format('v1.0')}/{enrolled['id']}"
    first, second = await api.call("GET", path), await api.call("GET", path)
    assert first == second
    assert (first["userDisplayName"], first["emailAddress"]) == ("Megan Bowen", "megan.bowen@contoso.example")
    assert first["userId"] and first["managedDeviceName"].startswith("megan.bowen_IPhone_")
    assert first["deviceEnrollmentType"] == "appleBulkWithUser" and first["isSupervised"] is True


async def test_values_enrolment_gives_explicitly_win_and_are_echoed(api: Api) -> None:
    enrolled = await enroll(api, manufacturer="Apple", model="iPad Air", **EXPLICIT)
    assert {name: enrolled[name] for name in EXPLICIT} == EXPLICIT
    device = await api.call("GET", f"{DEVICES.format('v1.0')}/{enrolled['id']}")
    assert {name: device[name] for name in EXPLICIT} == EXPLICIT
    assert (device["manufacturer"], device["model"]) == ("Apple", "iPad Air")


async def test_beta_adds_the_beta_properties(api: Api) -> None:
    enrolled = await enroll(api, serialNumber="C39XK0ABCDEF")
    device = await api.call("GET", f"{DEVICES.format('beta')}/{enrolled['id']}")
    assert len(device) > 56 + 2  # + @odata.context and @odata.type
    assert device["hardwareInformation"]["serialNumber"] == "C39XK0ABCDEF"
    assert (device["deviceType"], device["ownerType"], device["roleScopeTagIds"]) == ("iPhone", "company", ["0"])
    assert device["azureActiveDirectoryDeviceId"] == device["azureADDeviceId"]


async def test_an_explicit_value_of_the_wrong_type_is_refused(api: Api) -> None:
    body = {"devices": [{"platform": "ios", "osVersion": "17.5", "isSupervised": "yes"}]}
    refused = await api.call("POST", f"/_sim/tenants/{api.TENANT}/devices", as_="control", json=body, status=400)
    assert refused["error"]["details"][0]["target"] == "/devices/0/isSupervised"


async def test_a_config_file_device_may_give_graph_values_explicitly(aiohttp_client: Any, tmp_path: Any) -> None:
    from simulator.service.app import create_app
    from simulator.service.config import load_config
    from simulator.service.keys import STATE
    from simulator.service.settings import Settings

    path = tmp_path / "mock.yaml"
    path.write_text("tenants:\n  - id: 11111111-1111-4111-8111-111111111111\n    devices:\n"
                    "      - {platform: android, osVersion: '14', serialNumber: R58N12345, isEncrypted: false}\n")
    client = await aiohttp_client(create_app(Settings(config=load_config(path))))
    tenant = client.app[STATE].tenants["11111111-1111-4111-8111-111111111111"]
    (device,) = tenant.devices.values()
    assert dict(device.extras) == {"serialNumber": "R58N12345", "isEncrypted": False}


async def test_a_simulated_fleets_seeded_hardware_is_what_graph_shows(api: Api) -> None:
    from simulator.fleet.devices import Fleet

    fleet = list(Fleet(7, android=3, ios=3))
    body = {"devices": [d.to_enrollment() for d in fleet]}
    await api.call("POST", f"/_sim/tenants/{api.TENANT}/devices", as_="control", json=body, status=201)
    shown = {d["azureADDeviceId"]: d for d in (await api.call("GET", DEVICES.format("v1.0")))["value"]}
    for device in fleet:
        graph = shown[device.azure_ad_device_id]
        assert (graph["manufacturer"], graph["model"]) == (device.manufacturer, device.model)
        assert graph["userPrincipalName"] == graph["emailAddress"] == device.user_principal_name
