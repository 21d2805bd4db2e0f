"""``mtdsim serve --state DIR`` as users run it: a subprocess, stopped by SIGTERM or killed, then started again."""

from __future__ import annotations

import json
import signal
import subprocess
import time
import urllib.parse
import urllib.request
from pathlib import Path
from typing import Any

import pytest

from tests.service.test_serve import start_serve

TENANT = "00000000-0000-4000-8000-000000000001"
PARTNER = ("00000000-0000-4000-8000-0000000000a1", "demo-partner-secret")
ADMIN = ("00000000-0000-4000-8000-0000000000b1", "demo-admin-secret")
ANDROID = "00000000-0000-4000-8000-00000000d001"


def _call(url: str, method: str, path: str, body: Any = None, token: str | None = None) -> Any:
    headers = {"X-Mtdsim-Control-Key": "k", "Content-Type": "application/json"}
    if token:
        headers["Authorization"] = f"Bearer {token}"
    data = json.dumps(body).encode() if body is not None else None
    request = urllib.request.Request(f"{url}{path}", data=data, headers=headers, method=method)
    with urllib.request.urlopen(request, timeout=10) as response:
        text = response.read()
        return json.loads(text) if text else None


def _token(url: str, client: tuple[str, str]) -> str:
    form = urllib.parse.urlencode({"grant_type": "client_credentials", "client_id": client[0],
                                   "client_secret": client[1], "scope": "https://graph.microsoft.com/.default"})
    with urllib.request.urlopen(f"{url}/{TENANT}/oauth2/v2.0/token", data=form.encode(), timeout=10) as response:
        return str(json.loads(response.read())["access_token"])


def _traffic(url: str) -> str:
    """A connector, a heartbeat, enrolled devices and an accepted report; returns the partner's token."""
    admin, partner = _token(url, ADMIN), _token(url, PARTNER)
    _call(url, "POST", "/beta/deviceManagement/mobileThreatDefenseConnectors", {"androidEnabled": True}, admin)
    _call(url, "POST", "/partner/v1/heartbeat", None, partner)
    devices = [{"platform": "android", "osVersion": "14.0"} for _ in range(20)]
    _call(url, "POST", f"/_sim/tenants/{TENANT}/devices", {"devices": devices})
    now = _call(url, "GET", "/_sim/clock")["now"]
    report = {"azureADDeviceId": ANDROID, "platform": "android", "osVersion": "14.0", "threatState": "lowSeverity",
              "reportedDateTime": now}
    answer = _call(url, "POST", "/partner/v1/deviceThreatReports", {"reports": [report]}, partner)
    assert answer["acceptedCount"] == 1
    return partner


def _durable(snapshot: dict[str, Any]) -> dict[str, Any]:
    return {"tenants": snapshot["tenants"], "apps": snapshot["apps"], "traffic": snapshot["counters"]["traffic"]}


def _stop(process: subprocess.Popen[str], signum: int) -> None:
    process.send_signal(signum)
    try:
        process.communicate(timeout=15)
    finally:
        if process.poll() is None:
            process.kill()
            process.wait(timeout=5)


@pytest.mark.slow
@pytest.mark.parametrize("signum", [signal.SIGTERM, signal.SIGKILL])
def test_serve_with_a_state_directory_comes_back_with_the_state_it_had(tmp_path: Path, signum: int) -> None:
    state_dir = tmp_path / "state"
    process, url, banner = start_serve("--state", str(state_dir), "--checkpoint-interval", "0.2")
    try:
        assert f"state         {state_dir}" in banner
        partner = _traffic(url)
        acknowledged = time.time()
        if signum == signal.SIGKILL:  # everything acknowledged before the last checkpoint must survive
            for _ in range(100):
                last = _call(url, "GET", "/_sim/store")["lastCheckpoint"]
                if last is not None and last["takenAt"] > acknowledged:
                    break
                time.sleep(0.1)
        before = _call(url, "GET", "/_sim/snapshot")
    finally:
        _stop(process, signum)
    if signum == signal.SIGTERM:
        assert process.returncode == 0
    process, url, _ = start_serve("--state", str(state_dir))
    try:
        after = _call(url, "GET", "/_sim/snapshot")
        store = _call(url, "GET", "/_sim/store")
        # A token issued before the restart still works: the apps' signing keys are part of the state.
        _call(url, "POST", "/partner/v1/heartbeat", None, partner)
    finally:
        _stop(process, signal.SIGTERM)
    assert _durable(after) == _durable(before)
    assert len(after["tenants"][0]["devices"]) == 24 and len(after["tenants"][0]["reports"]) == 1
    assert store["durable"] is True and store["restoredFrom"] >= acknowledged
    assert after["journal"]["total"] >= 7
