from __future__ import annotations

import concurrent.futures
import json
import re
import signal
import subprocess
import sys
import urllib.request

import pytest

from loadtests.mockproc import read_banner
from simulator.service.settings import new_control_key


def start_serve(*args: str) -> tuple[subprocess.Popen[str], str, str]:
    process = subprocess.Popen(
        [sys.executable, "-m", "simulator", "serve", "--port", "0", "--seed", "5", "--control-key", "k", *args],
        stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True,
    )
    assert process.stdout is not None and process.stderr is not None
    banner = read_banner(process.stdout)
    match = re.search(r"http://127\.0\.0\.1:\d+", banner)
    assert match, (banner, process.stderr.read() if process.poll() is not None else "")
    return process, match.group(0), banner


@pytest.mark.slow
@pytest.mark.parametrize(("signum", "loop"), [(signal.SIGTERM, "uvloop"), (signal.SIGINT, "asyncio")])
def test_serve_answers_and_exits_0_on_signal(signum, loop):
    process, url, first = start_serve("--event-loop", loop)
    try:
        request = urllib.request.Request(f"{url}/_sim/clock", headers={"X-Mtdsim-Control-Key": "k"})
        with urllib.request.urlopen(request, timeout=5) as response:
            assert response.status == 200
        process.send_signal(signum)
        out, err = process.communicate(timeout=15)
        out = first + out
    finally:
        if process.poll() is None:
            process.kill()
            process.wait(timeout=5)
    assert process.returncode == 0, err
    assert "mtdsim: stopped" in out and "seed          5" in out and f"event loop    {loop}" in out
    assert f"mtdsim serving on {url}" in out and "control key   k  (header X-Mtdsim-Control-Key)" in out
    assert "tenant        00000000-0000-4000-8000-000000000001" in out
    assert "client id 00000000-0000-4000-8000-0000000000a1  secret demo-partner-secret" in out
    assert "client id 00000000-0000-4000-8000-0000000000b1  secret demo-admin-secret" in out


@pytest.mark.slow
def test_serve_with_a_broken_config_exits_2_with_file_and_line(tmp_path):
    config = tmp_path / "mock.yaml"
    config.write_text("tenants:\n  - id: 00000000-0000-4000-8000-000000000009\n    displayNme: x\n")
    result = subprocess.run([sys.executable, "-m", "simulator", "serve", "--config", str(config)],
                            capture_output=True, text=True, timeout=15)
    assert result.returncode == 2
    assert f"{config}:3: unknown key 'displayNme' (did you mean 'displayName'?)" in result.stderr


def control(url: str, path: str, body: dict[str, object] | None = None) -> dict[str, object]:
    data = json.dumps(body).encode() if body is not None else None
    request = urllib.request.Request(f"{url}{path}", data=data, headers={"X-Mtdsim-Control-Key": "k",
                                     "Content-Type": "application/json"})  # fmt: skip
    with urllib.request.urlopen(request, timeout=5) as response:
        answer: dict[str, object] = json.loads(response.read())
        return answer


@pytest.mark.slow
def test_a_request_in_flight_when_sigterm_arrives_is_answered_before_serve_exits_0():
    process, url, _ = start_serve()
    try:
        control(url, "/_sim/faults", {"match": {"route": "/openapi.json"},
                                      "then": {"latency": {"distribution": "fixed", "seconds": 1.5}}})  # fmt: skip
        with concurrent.futures.ThreadPoolExecutor(1) as pool:
            slow = pool.submit(lambda: urllib.request.urlopen(f"{url}/openapi.json", timeout=15).status)
            while control(url, "/_sim/faults")["value"][0]["fired"] == 0:  # type: ignore[index]
                assert not slow.done()
            process.send_signal(signal.SIGTERM)  # the delayed request is now inside the mock
            assert slow.result(timeout=15) == 200
        assert process.wait(timeout=15) == 0
    finally:
        if process.poll() is None:
            process.kill()
            process.wait(timeout=5)
        process.communicate()


def test_generated_control_keys_never_start_with_a_dash() -> None:
    keys = [new_control_key() for _ in range(3000)]  # the old generator gave ~47 of these
    assert not [key for key in keys if key.startswith("-")]
    assert len(set(keys)) == 3000 and all(len(key) == 24 for key in keys)
