"""The robustness suite (DESIGN 7, issue 15): Schemathesis, driven by our own OpenAPI document, over every operation
of /openapi.json (partner, Graph, token and control API) with all its checks and the coverage, fuzzing and stateful
phases, against a real `mtdsim serve` with real credentials.

Each route family runs with the credentials it needs (the control family last: it resets and installs faults), on a
bounded budget (MTDSIM_FUZZ_SECONDS per family, default 15; MTDSIM_FUZZ_EXAMPLES per operation, default 15) and a
fixed seed, printed, so a failure replays. Zero 5xx, zero response-schema and zero status-code mismatches are
required, as is every other check, except "Schema-valid request rejected" (positive_data_acceptance): a 400 for a
schema-valid body that a domain rule refuses (an unknown tenant or partner id, a window that ends before it
starts) is the documented answer, so those are printed, not failed (docs/decisions.md). Schemathesis' whole output
goes to st-<family>.txt in the test's tmp_path, or in MTDSIM_FUZZ_DUMP when set.
"""

from __future__ import annotations

import json
import os
import re
import shutil
import signal
import subprocess
import sys
import urllib.parse
import urllib.request
from collections.abc import Iterator
from pathlib import Path

import pytest

from loadtests.mockproc import free_port, wait_for_port

TENANT = "00000000-0000-4000-8000-000000000001"
ADMIN = ("00000000-0000-4000-8000-0000000000b1", "demo-admin-secret")
PARTNER = ("00000000-0000-4000-8000-0000000000a1", "demo-partner-secret")
CONTROL_KEY = "fuzz-control-key"
SEED = "20261125"
FAMILIES = {
    "partner": (r"^/partner/", "partner"),
    # One run per Graph version: v1.0 and beta paths reach the same connectors and policies, and Schemathesis ties a
    # deletion to its path, so a connector deleted through v1.0 and then asked for through beta read as "Created
    # resource not found" (a false finding, about one run in four).
    "graph-v1.0": (r"^/v1\.0/", "admin"),
    "graph-beta": (r"^/beta/", "admin"),
    "token": (r"(/oauth2/v2\.0/token|^/openapi\.json)$", None),
    "control": (r"^/_sim/", "control"),
}
# Findings reported but not failed (see the module docstring); every other failure title fails the test.
REPORTED_ONLY = frozenset({"Schema-valid request rejected"})
FAILURE_LINE = re.compile(r"^\s*❌ (?:[A-Z]+\d+ )?(.+?): (\d+)$", re.MULTILINE)  # "❌ ST202 Title: 2"
ST = shutil.which("st", path=str(Path(sys.executable).parent))

pytestmark = [pytest.mark.slow, pytest.mark.skipif(ST is None, reason="schemathesis is in the test extra")]


def call(url: str, *, data: bytes | None = None, headers: dict[str, str] | None = None, method: str = "GET") -> bytes:
    request = urllib.request.Request(url, data=data, headers=headers or {}, method=method)
    with urllib.request.urlopen(request, timeout=10) as answer:
        body: bytes = answer.read()
        return body


def token(base: str, client: tuple[str, str]) -> str:
    form = {"grant_type": "client_credentials", "client_id": client[0], "client_secret": client[1],
            "scope": "https://graph.microsoft.com/.default"}  # fmt: skip
    return str(json.loads(call(f"{base}/{TENANT}/oauth2/v2.0/token", data=urllib.parse.urlencode(form).encode(),
                               method="POST"))["access_token"])  # fmt: skip


@pytest.fixture(scope="module")
def mock() -> Iterator[tuple[str, dict[str, str]]]:
    port = free_port()
    base = f"http://127.0.0.1:{port}"
    # A long token lifetime: the fuzzing takes longer than an hour of wall time only if something is very wrong.
    command = [sys.executable, "-m", "simulator", "serve", "--port", str(port), "--control-key", CONTROL_KEY,
               "--seed", SEED, "--token-lifetime", "86400"]  # fmt: skip
    with subprocess.Popen(command, stdout=subprocess.DEVNULL, stderr=subprocess.PIPE, text=True) as server:
        try:
            wait_for_port(port, 15, server)
            headers = {"admin": f"Authorization: Bearer {token(base, ADMIN)}",
                       "partner": f"Authorization: Bearer {token(base, PARTNER)}",
                       "control": f"X-Mtdsim-Control-Key: {CONTROL_KEY}"}  # fmt: skip
            enable = (
                b'{"androidEnabled": true, "iosEnabled": true, "allowPartnerToCollectIOSApplicationMetadata": true}'
            )
            call(
                f"{base}/beta/deviceManagement/mobileThreatDefenseConnectors",
                data=enable,
                method="POST",
                headers={"Authorization": headers["admin"].split(": ", 1)[1], "Content-Type": "application/json"},
            )
            call(f"{base}/partner/v1/heartbeat", method="POST",
                 headers={"Authorization": headers["partner"].split(": ", 1)[1]})  # fmt: skip
            yield base, headers
        finally:
            server.send_signal(signal.SIGINT)
            server.wait(timeout=15)


@pytest.mark.parametrize("family", list(FAMILIES))  # in this order: the control family resets and adds faults
def test_no_generated_request_breaks_the_contract_or_makes_the_mock_answer_5xx(
    mock: tuple[str, dict[str, str]], family: str, tmp_path: Path
) -> None:
    base, headers = mock
    pattern, credential = FAMILIES[family]
    command = [str(ST), "run", f"{base}/openapi.json", "--checks", "all", "--seed", SEED,
               "-n", os.environ.get("MTDSIM_FUZZ_EXAMPLES", "15"), "--include-path-regex", pattern,
               "--phases", "coverage,fuzzing,stateful", "--max-time", os.environ.get("MTDSIM_FUZZ_SECONDS", "15"),
               "--workers", "1", "--no-color", "--request-timeout", "30"]  # fmt: skip
    if credential:
        command += ["-H", headers[credential]]
    print(f"schemathesis seed {SEED}, family {family} (replay: st run ... --seed {SEED})")
    # Run in a scratch folder: schemathesis keeps a .schemathesis/ cache in its working directory.
    done = subprocess.run(command, capture_output=True, text=True, timeout=600, cwd=tmp_path)
    report = done.stdout[-8000:]
    (Path(os.environ.get("MTDSIM_FUZZ_DUMP", tmp_path)) / f"st-{family}.txt").write_text(done.stdout)
    failures = {title: int(count) for title, count in FAILURE_LINE.findall(done.stdout)}
    print(f"{family}: findings {failures or 'none'}")
    assert "Tested:" in done.stdout, report
    assert not any("Server error" in title for title in failures), report
    assert {t: n for t, n in failures.items() if t not in REPORTED_ONLY} == {}, report
    assert done.returncode == 0 or failures, report
