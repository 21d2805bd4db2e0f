"""A real ``mtdsim serve --tls`` (subprocess, port 0, local CA in a temporary directory) for the real-client tests.

One server for the module; each test starts from ``/_sim/reset``. Its clock ticks with wall time, as MSAL and
azure-identity judge token expiry by the wall clock.
"""

from __future__ import annotations

import re
import ssl
import subprocess
import sys
import urllib.request
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path

import pytest

from loadtests.mockproc import read_banner

CONTROL_KEY = "entra-test-key"


@dataclass(frozen=True)
class TlsServer:
    url: str
    ca_file: Path
    banner: str

    def control(self, method: str, path: str, body: bytes | None = None) -> int:
        request = urllib.request.Request(f"{self.url}{path}", data=body, method=method,
                                         headers={"X-Mtdsim-Control-Key": CONTROL_KEY,
                                                  "Content-Type": "application/json"})
        context = ssl.create_default_context(cafile=str(self.ca_file))
        with urllib.request.urlopen(request, timeout=10, context=context) as response:
            return int(response.status)


def start_tls_serve(tls_dir: Path, *extra: str) -> tuple[subprocess.Popen[str], str, str]:
    process = subprocess.Popen(
        [sys.executable, "-m", "simulator", "serve", "--port", "0", "--seed", "5", "--control-key", CONTROL_KEY,
         "--tls", "--tls-dir", str(tls_dir), *extra],
        stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True,
    )
    assert process.stdout is not None and process.stderr is not None
    banner = read_banner(process.stdout)
    match = re.search(r"https://127\.0\.0\.1:\d+", banner)
    if match is None:
        stop(process)
        pytest.fail(f"mtdsim serve --tls did not start:\n{banner}\n{process.stderr.read()}")
    return process, match.group(0), banner


def stop(process: subprocess.Popen[str]) -> None:
    if process.poll() is None:
        process.terminate()
        try:
            process.communicate(timeout=15)
        except subprocess.TimeoutExpired:
            process.kill()
            process.communicate(timeout=5)


@pytest.fixture(scope="module")
def tls_server_process(tmp_path_factory: pytest.TempPathFactory) -> Iterator[TlsServer]:
    tls_dir = tmp_path_factory.mktemp("tls")
    process, url, banner = start_tls_serve(tls_dir)
    try:
        yield TlsServer(url, tls_dir / "ca.pem", banner)
    finally:
        stop(process)


@pytest.fixture
def tls_server(tls_server_process: TlsServer) -> TlsServer:
    assert tls_server_process.control("POST", "/_sim/reset") == 204
    return tls_server_process
