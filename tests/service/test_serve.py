from __future__ import annotations

import re
import signal
import subprocess
import sys
import urllib.request

import pytest


def start_serve(*args: str) -> tuple[subprocess.Popen[str], str, str]:
    process = subprocess.Popen(
        [sys.executable, "-m", "simulator", "serve", "--port", "0", "--seed", "5", "--control-key", "k", *args],
        stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True,
    )
    assert process.stdout is not None and process.stderr is not None
    banner = ""
    for _ in range(30):  # the banner ends with the OpenAPI line; readline returns "" if the process died
        line = process.stdout.readline()
        banner += line
        if not line or "OpenAPI" in line:
            break
    match = re.search(r"http://127\.0\.0\.1:\d+", banner)
    assert match, (banner, process.stderr.read() if process.poll() is not None else "")
    return process, match.group(0), banner


@pytest.mark.slow
@pytest.mark.parametrize("signum", [signal.SIGTERM, signal.SIGINT])
def test_serve_answers_and_exits_0_on_signal(signum):
    process, url, first = start_serve()
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
    assert "mtdsim: stopped" in out and "seed          5" in out
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
