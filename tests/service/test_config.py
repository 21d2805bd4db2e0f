from __future__ import annotations

from dataclasses import replace

import pytest

from simulator.errors import ConfigError
from simulator.service import create_app
from simulator.service.config import load_config

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


@pytest.mark.parametrize(("text", "line", "words"), [
    ("tenants:\n  - id: nope\n", 2, "GUID"),
    ("tenant: []\n", 1, "did you mean 'tenants'"),
    ("tenants:\n  - id: 11111111-1111-4111-8111-111111111111\n    apps:\n      - kind: robot\n", 4, "kind"),
    ("tenants:\n  - id: 11111111-1111-4111-8111-111111111111\n    apps:\n      - kind: partner\n"
     "        partner: nobody\n", 4, "nobody"),
    ("tenants: [\n", 2, "not valid YAML"),
    ("tenants:\n  - id: 11111111-1111-4111-8111-111111111111\n    devices:\n      - platform: ios\n"
     "        osVersion: '17'\n        ownerType: robot\n", 6, "ownerType"),
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
