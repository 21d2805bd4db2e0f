from __future__ import annotations

import random
from dataclasses import replace
from datetime import UTC, datetime

import pytest

from simulator.errors import ConfigError
from simulator.service import create_app
from simulator.service.config import load_config
from simulator.service.devices import device_from_wire
from simulator.service.settings import Settings
from simulator.service.state import ServiceState

NOW = datetime(2026, 12, 4, 9, 0, tzinfo=UTC)

GOOD = """\
tenants:
  - id: 11111111-1111-4111-8111-111111111111
    displayName: Fabrikam
    apps:
      - kind: partner
        partner: zimperium
        clientId: zim-app
        clientSecret: zim-secret-123
      - kind: admin
        clientId: fab-admin
        clientSecret: admin-secret-123
    devices:
      - azureADDeviceId: 22222222-2222-4222-8222-222222222222
        platform: ios
        osVersion: "17.4"
        installedApps:
          - {bundleId: com.example.app, version: "1.0", name: Example}
"""


def test_yaml_config_declares_tenants_apps_and_devices(tmp_path):
    path = tmp_path / "mock.yaml"
    path.write_text(GOOD)
    config = load_config(path)
    (tenant,) = config.tenants
    assert tenant.display_name == "Fabrikam"
    assert [a.kind for a in tenant.apps] == ["partner", "admin"]
    assert tenant.apps[0].connector_id == "08a8455c-48dd-45ff-ad82-7211355354f3"


REPEATS = """\
tenants:
  - id: 11111111-1111-4111-8111-111111111111
    devices:
      - {azureADDeviceId: 22222222-2222-4222-8222-222222222222, platform: ios, osVersion: '17'}
      - {id: intune-1, platform: android, osVersion: '14'}
"""


@pytest.mark.parametrize(("text", "line", "words"), [
    ("tenants:\n  - id: nope\n", 2, "GUID"),
    ("tenant: []\n", 1, "did you mean 'tenants'"),
    ("tenants:\n  - id: 11111111-1111-4111-8111-111111111111\n    apps:\n      - kind: robot\n", 4, "kind"),
    ("tenants:\n  - id: 11111111-1111-4111-8111-111111111111\n    apps:\n      - kind: partner\n"
     "        partner: nobody\n", 4, "nobody"),
    ("tenants: [\n", 2, "not valid YAML"),
    ("tenants:\n  - id: 11111111-1111-4111-8111-111111111111\n    devices:\n      - platform: ios\n"
     "        osVersion: '17'\n        ownerType: robot\n", 6, "ownerType"),
    (REPEATS + "      - {azureADDeviceId: 22222222-2222-4222-8222-222222222222, platform: ios, osVersion: '17'}\n", 6,
     "azureADDeviceId '22222222-2222-4222-8222-222222222222' repeats the device at line 4"),
    (REPEATS + "      - {id: intune-1, platform: ios, osVersion: '17'}\n", 6,
     "id 'intune-1' repeats the device at line 5"),
])
def test_broken_config_names_the_line(tmp_path, text, line, words):
    path = tmp_path / "bad.yaml"
    path.write_text(text)
    with pytest.raises(ConfigError) as caught:
        load_config(path)
    assert caught.value.line == line and words in str(caught.value)


async def test_configured_tenant_is_served_and_survives_reset(aiohttp_client, settings, tmp_path, control_headers,
                                                              token_for):
    path = tmp_path / "mock.json"
    path.write_text(GOOD)
    client = await aiohttp_client(create_app(replace(settings, config=load_config(path))))
    tenant = "11111111-1111-4111-8111-111111111111"
    token = await token_for(client, "zim-app", "zim-secret-123", tenant=tenant)
    assert (await client.post("/_sim/reset", headers=control_headers)).status == 204
    response = await client.get("/partner/v1/devices", headers={"Authorization": f"Bearer {token}"})
    assert response.status in (200, 403)  # 403 connectorNotConfigured until the admin adds the connector
    tenants = (await (await client.get("/_sim/tenants", headers=control_headers)).json())["value"]
    assert [(t["id"], t["deviceCount"]) for t in tenants] == [(tenant, 1)]


def test_configured_devices_get_the_ids_enrolling_them_one_by_one_would_draw(tmp_path):
    path = tmp_path / "mock.yaml"
    drawn = "      - {platform: ios, osVersion: '17'}\n      - {platform: android, osVersion: '14'}\n"
    path.write_text(REPEATS + drawn)
    config = load_config(path)
    state = ServiceState(Settings(seed=11, config=config, clock_start=NOW, clock_ticking=False))
    rng = random.Random(11)
    expected = [device_from_wire(d, NOW, rng) for d in config.tenants[0].devices]
    tenant_id = "11111111-1111-4111-8111-111111111111"
    assert list(state.tenants[tenant_id].devices.values()) == expected
    assert expected[1].id == "intune-1" and len({d.azure_ad_device_id for d in expected}) == 4
    state.reset()  # the same seed draws the same ids again
    assert list(state.tenants[tenant_id].devices.values()) == expected
