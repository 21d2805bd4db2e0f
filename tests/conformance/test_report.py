from __future__ import annotations

import json
import signal
import socket
import subprocess
import sys
import time
import urllib.parse
import urllib.request
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

import pytest

from simulator.conformance import ConformanceReport, fetch_report
from simulator.errors import SimulationError
from simulator.service.app import create_app
from simulator.service.settings import Settings

TENANT = "00000000-0000-4000-8000-000000000001"
PARTNER = {"client_id": "00000000-0000-4000-8000-0000000000a1", "client_secret": "demo-partner-secret"}


def token_form() -> dict[str, str]:
    return {"grant_type": "client_credentials", "scope": "https://graph.microsoft.com/.default", **PARTNER}


@pytest.fixture
async def mock(aiohttp_client: Any) -> Any:
    settings = Settings(clock_start=datetime(2026, 11, 25, 10, tzinfo=UTC), clock_ticking=False, control_key="k")
    return await aiohttp_client(create_app(settings))


async def send_bad_heartbeat(client: Any) -> None:
    token = (await (await client.post(f"/{TENANT}/oauth2/v2.0/token", data=token_form())).json())["access_token"]
    response = await client.post("/partner/v1/heartbeat", json={"mood": "happy"},
                                 headers={"Authorization": f"Bearer {token}"})  # fmt: skip
    assert response.status == 400


async def test_a_quiet_mock_conforms(mock: Any) -> None:
    report = await fetch_report(str(mock.make_url("")), "k")
    assert report.conforms and report.by_code == {}
    assert "conforms: no violations recorded" in report.to_markdown()


async def test_a_contract_violation_makes_the_report_fail_with_its_pointer(mock: Any) -> None:
    await send_bad_heartbeat(mock)
    report = await fetch_report(str(mock.make_url("")), "k")
    assert not report.conforms
    assert report.by_code == {"contractViolation": 1}
    [example] = report.examples("contractViolation")
    assert (example["pointer"], example["clientId"]) == ("/mood", PARTNER["client_id"])
    markdown = report.to_markdown()
    assert "does NOT conform" in markdown and "## contractViolation: 1" in markdown
    assert "| POST /partner/v1/heartbeat | /mood |" in markdown
    assert report.to_json()["violationsByCode"] == {"contractViolation": 1}


async def test_a_refused_control_key_is_a_clear_error(mock: Any) -> None:
    with pytest.raises(SimulationError, match="control key was refused"):
        await fetch_report(str(mock.make_url("")), "wrong")


async def test_an_unreachable_target_is_a_clear_error() -> None:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        port = sock.getsockname()[1]
    with pytest.raises(SimulationError, match="cannot reach"):
        await fetch_report(f"http://127.0.0.1:{port}", "k")


def test_totals_come_from_the_mocks_counters_beyond_its_bounded_list() -> None:
    kept = ({"code": "retryAfterNotHonoured", "message": "m", "route": "POST /x", "time": "t"},)
    stats = {"violations": 7, "violationsByCode": {"retryAfterNotHonoured": 7}}
    report = ConformanceReport("http://x", stats, kept, violations_dropped=6)
    assert report.by_code == {"retryAfterNotHonoured": 7}
    assert "6 older violations were dropped" in report.to_markdown()


@pytest.mark.slow
def test_mtdsim_report_exits_0_then_1_once_a_violation_is_recorded(tmp_path: Path) -> None:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        port = sock.getsockname()[1]
    base = f"http://127.0.0.1:{port}"
    serve = [sys.executable, "-m", "simulator", "serve", "--port", str(port), "--control-key", "k"]
    report = [sys.executable, "-m", "simulator", "report", "--target", base, "--control-key", "k"]
    with subprocess.Popen(serve, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL) as server:
        try:
            wait_for(port)
            assert subprocess.run(report, capture_output=True, timeout=60).returncode == 0
            token_request = urllib.request.Request(f"{base}/{TENANT}/oauth2/v2.0/token",
                                                   data=urllib.parse.urlencode(token_form()).encode())  # fmt: skip
            with urllib.request.urlopen(token_request, timeout=10) as answer:
                token = json.load(answer)["access_token"]
            bad = urllib.request.Request(f"{base}/partner/v1/heartbeat", data=b'{"mood": 1}', method="POST",
                                         headers={"Authorization": f"Bearer {token}",
                                                  "Content-Type": "application/json"})  # fmt: skip
            with pytest.raises(urllib.error.HTTPError):
                urllib.request.urlopen(bad, timeout=10)
            done = subprocess.run([*report, "--json", str(tmp_path / "out" / "report.json")], capture_output=True,
                                  text=True, timeout=60)  # fmt: skip
            assert done.returncode == 1, done.stderr
            assert "contractViolation: 1" in done.stdout
            assert json.loads((tmp_path / "out" / "report.json").read_text())["conforms"] is False
        finally:
            server.send_signal(signal.SIGINT)
            assert server.wait(timeout=15) == 0


def wait_for(port: int) -> None:
    deadline = time.monotonic() + 15
    while time.monotonic() < deadline:
        with socket.socket() as sock:
            if sock.connect_ex(("127.0.0.1", port)) == 0:
                return
        time.sleep(0.05)
    raise AssertionError("mtdsim serve did not start")
