"""``GET /_sim/certification`` on the wire, and ``mtdsim report`` writing the certification for a partner's CI."""

from __future__ import annotations

import json
import re
import subprocess
import sys
import xml.etree.ElementTree as ET
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

import pytest

from loadtests.mockproc import read_banner
from simulator.service.app import create_app
from simulator.service.settings import Settings

CONTROL = {"X-Mtdsim-Control-Key": "k"}


@pytest.fixture
async def mock(aiohttp_client: Any) -> Any:
    settings = Settings(clock_start=datetime(2026, 11, 25, 10, tzinfo=UTC), clock_ticking=False, control_key="k")
    return await aiohttp_client(create_app(settings))


async def test_the_evidence_route_answers_per_tenant_and_refuses_bad_parameters_with_a_4xx(mock: Any) -> None:
    body = await (await mock.get("/_sim/certification", headers=CONTROL)).json()
    assert [t["id"] for t in body["tenants"]] == ["00000000-0000-4000-8000-000000000001"]
    assert body["tenants"][0]["connectors"] == []  # the demo tenant's admin has not added the connector yet
    scoped = await (await mock.get("/_sim/certification?tenant=nobody", headers=CONTROL)).json()
    assert scoped["tenants"] == []
    for query, target in (("window=soon", "window"), ("colour=red", "colour")):
        refused = await mock.get(f"/_sim/certification?{query}", headers=CONTROL)
        assert refused.status == 400
        assert (await refused.json())["error"]["target"] == target
    assert (await mock.get("/_sim/certification")).status == 401


@pytest.mark.slow
def test_mtdsim_report_certifies_a_silent_partner_as_failing_in_junit_json_and_markdown(tmp_path: Path) -> None:
    serve = subprocess.Popen([sys.executable, "-m", "simulator", "serve", "--port", "0", "--control-key", "k"],
                             stdout=subprocess.PIPE, stderr=subprocess.DEVNULL, text=True)  # fmt: skip
    assert serve.stdout is not None
    try:
        banner = read_banner(serve.stdout)
        found = re.search(r"http://127\.0\.0\.1:\d+", banner)
        assert found, banner
        url = found.group(0)
        mtdsim = [sys.executable, "-m", "simulator"]
        simulated = subprocess.run([*mtdsim, "simulate", "--target", url, "--control-key", "k", "--profile", "silent",
                                    "--android", "3", "--ios", "3", "--days", "1", "--seed", "5", "--json"],
                                   capture_output=True, text=True, timeout=120)  # fmt: skip
        assert simulated.returncode == 0, simulated.stderr
        tenant = json.loads(simulated.stdout)["tenantId"]
        out = tmp_path / "out"
        shown = subprocess.run([*mtdsim, "report", "--target", url, "--control-key", "k"],
                               capture_output=True, text=True, timeout=120)  # fmt: skip
        done = subprocess.run([*mtdsim, "report", "--target", url, "--control-key", "k", "--tenant", tenant,
                               "--certify", "--junit", str(out / "junit.xml"), "--json", str(out / "report.json"),
                               "--markdown", str(out / "report.md")],
                              capture_output=True, text=True, timeout=120)  # fmt: skip
    finally:
        serve.terminate()
        serve.communicate(timeout=15)
    assert shown.returncode == 0 and "heartbeats" in shown.stdout  # shown, but only --certify gates on it
    assert done.returncode == 1, done.stderr
    suite = ET.parse(out / "junit.xml").getroot().find("testsuite")
    assert suite is not None and suite.get("failures") == "3"
    failed = sorted(c.get("name", "") for c in suite.iter("testcase") if c.find("failure") is not None)
    assert failed == ["appSyncAllowed", "devicesReported", "heartbeats"]
    report = json.loads((out / "report.json").read_text("utf-8"))
    assert report["conforms"] is True and report["certification"]["failed"] == ["heartbeats", "devicesReported",
                                                                                  "appSyncAllowed"]  # fmt: skip
    markdown = (out / "report.md").read_text("utf-8")
    assert "## Partner certification" in markdown and "### heartbeats" in markdown
    assert "never sent a heartbeat" in markdown
