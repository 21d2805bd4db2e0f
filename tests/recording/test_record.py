"""``mtdsim serve --record``: a session becomes a scenario file that replays green on a fresh mock and shows what a
changed mock does differently."""

from __future__ import annotations

from datetime import UTC, datetime
from pathlib import Path
from typing import Any

import pytest
import yaml

from simulator.domain.enums import DeviceThreatProtectionLevel
from simulator.domain.policies import LEVEL_RANK
from simulator.scenarios import RunOptions, load_file, run_all
from simulator.service.app import create_app
from simulator.service.settings import Settings

TENANT = "00000000-0000-4000-8000-000000000001"
ANDROID = "00000000-0000-4000-8000-00000000d001"
CONNECTORS = "/beta/deviceManagement/mobileThreatDefenseConnectors"
SECRETS = ("demo-partner-secret", "demo-admin-secret", "Bearer", "eyJ")


async def _token(client: Any, client_id: str, secret: str) -> dict[str, str]:
    form = {"grant_type": "client_credentials", "client_id": client_id, "client_secret": secret,
            "scope": "https://graph.microsoft.com/.default"}  # fmt: skip
    answer = await (await client.post(f"/{TENANT}/oauth2/v2.0/token", data=form)).json()
    return {"Authorization": f"Bearer {answer['access_token']}"}


async def _session(client: Any) -> None:
    """A partner's first day: the admin adds the connector and a policy, the partner heartbeats and reports."""
    admin = await _token(client, "00000000-0000-4000-8000-0000000000b1", "demo-admin-secret")
    partner = await _token(client, "00000000-0000-4000-8000-0000000000a1", "demo-partner-secret")
    assert (await client.post(CONNECTORS, json={"androidEnabled": True}, headers=admin)).status == 201
    policy = {"@odata.type": "#microsoft.graph.androidCompliancePolicy", "displayName": "MTD",
              "deviceThreatProtectionEnabled": True, "deviceThreatProtectionRequiredSecurityLevel": "low"}  # fmt: skip
    created = await client.post("/v1.0/deviceManagement/deviceCompliancePolicies", json=policy, headers=admin)
    assert created.status == 201
    assert (await client.post("/partner/v1/heartbeat", headers=partner)).status == 200
    moved = await client.post("/_sim/clock/advance", json={"by": "PT2H"}, headers={"X-Mtdsim-Control-Key": "k"})
    assert moved.status == 200
    partner = await _token(client, "00000000-0000-4000-8000-0000000000a1", "demo-partner-secret")  # the old expired
    report = {"azureADDeviceId": ANDROID, "platform": "android", "osVersion": "14.0",
              "threatState": "mediumSeverity", "reportedDateTime": "2026-11-25T12:00:00Z"}  # fmt: skip
    answer = await client.post("/partner/v1/deviceThreatReports", json={"reports": [report]}, headers=partner)
    assert answer.status == 200
    assert (await client.get("/partner/v1/devices?platform=android", headers=partner)).status == 200


@pytest.fixture
async def recorded(aiohttp_client: Any, tmp_path: Path) -> Path:
    path = tmp_path / "session.scenario.yaml"
    settings = Settings(clock_start=datetime(2026, 11, 25, 10, tzinfo=UTC), clock_ticking=False, control_key="k",
                        record_path=path)  # fmt: skip
    client = await aiohttp_client(create_app(settings))
    await _session(client)
    await client.close()  # shutdown writes the file
    return path


def test_a_recorded_session_is_a_scenario_with_the_apps_time_and_answers_of_the_session(recorded: Path) -> None:
    text = recorded.read_text("utf-8")
    assert not any(secret in text for secret in SECRETS)  # the scenario's own apps stand in for secrets and tokens
    document = yaml.safe_load(text)
    assert document["given"]["clock"] == "2026-11-25T10:00:00Z"
    assert document["given"]["partners"] == ["demo"]
    steps = document["steps"]
    assert [s.get("request", {}).get("auth") or next(iter(s)) for s in steps] == [
        "admin", "admin", "partner:demo", "advance", "partner:demo", "partner:demo", "name"]  # fmt: skip
    assert steps[3] == {"advance": "PT7200S"}
    assert steps[4]["expect"] == {"status": 200, "json": {"results": [
        {"index": 0, "azureADDeviceId": ANDROID, "status": "accepted"}], "acceptedCount": 1, "rejectedCount": 0}}
    assert steps[-1]["expect"]["compliance"]["d1"] == "noncompliant"
    (scenario,) = load_file(recorded)  # a valid scenario: every enum and reference checks at load
    assert scenario.given.devices[0].azure_ad_device_id == ANDROID


async def test_replaying_a_recording_on_a_fresh_mock_passes(recorded: Path) -> None:
    (outcome,) = await run_all(load_file(recorded), RunOptions(seed=3))
    assert outcome.failure is None, outcome.failure


async def test_replaying_on_a_changed_mock_shows_what_changed(recorded: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    # A mock whose "low" requirement admits medium threats: the same session ends compliant.
    monkeypatch.setitem(LEVEL_RANK, DeviceThreatProtectionLevel.low, 3)
    (outcome,) = await run_all(load_file(recorded), RunOptions(seed=3))
    assert outcome.failure is not None
    assert outcome.failure.step.endswith("(compliance at the end of the session)")
    [mismatch] = outcome.failure.mismatches
    assert (mismatch.pointer, mismatch.expected, mismatch.actual) == (
        "device d1: /complianceState", "noncompliant", "compliant")  # fmt: skip


async def test_recording_does_not_wait_for_a_body_that_never_finishes(aiohttp_client: Any, tmp_path: Path) -> None:
    import asyncio

    settings = Settings(clock_start=datetime(2026, 11, 25, 10, tzinfo=UTC), clock_ticking=False, control_key="k",
                        record_path=tmp_path / "r.yaml", body_timeout=0.5)  # fmt: skip
    client = await aiohttp_client(create_app(settings))
    partner = await _token(client, "00000000-0000-4000-8000-0000000000a1", "demo-partner-secret")
    reader, writer = await asyncio.open_connection("127.0.0.1", client.server.port)
    writer.write(f"POST /partner/v1/deviceThreatReports HTTP/1.1\r\nHost: x\r\nContent-Type: application/json\r\n"
                 f"Authorization: {partner['Authorization']}\r\nContent-Length: 1000\r\n\r\n{{\"reports\": [".encode())
    await writer.drain()
    answer = await asyncio.wait_for(reader.read(4096), 5)  # the body timeout answers; recording did not hold it
    writer.close()
    assert answer.startswith(b"HTTP/1.1 408")
