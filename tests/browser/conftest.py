"""A real ``mtdsim serve`` with a fleet from ``mtdsim simulate``, and Debian's chromium driven by Playwright.

The browser is the system's (``/usr/bin/chromium``, installed by .ci/run): Playwright downloads nothing. One server,
fleet and browser serve the whole module, so the browser tests stay within seconds.
"""

from __future__ import annotations

import json
import signal
import socket
import subprocess
import sys
import tempfile
import time
import urllib.parse
import urllib.request
from collections.abc import Iterator
from dataclasses import dataclass, field
from typing import Any

import pytest

CHROMIUM = "/usr/bin/chromium"
CHROMIUM_ARGS = ["--headless", "--no-sandbox", "--disable-gpu", "--disable-quic", "--no-first-run",
                 "--disable-background-networking", "--disable-component-update", "--disable-sync"]  # fmt: skip
KEY = "browser-test-key"
SEED = 4242


@dataclass
class World:
    """The running mock: its base URL, the simulated tenant, and calls as the control key, admin and partner."""

    base: str
    tenant: str
    tokens: dict[str, str] = field(default_factory=dict)

    def call(self, method: str, path: str, body: Any = None, headers: dict[str, str] | None = None,
             form: dict[str, str] | None = None) -> Any:  # fmt: skip
        data, sent = None, dict(headers or {})
        if body is not None:
            data, sent["Content-Type"] = json.dumps(body).encode(), "application/json"
        if form is not None:
            data = urllib.parse.urlencode(form).encode()
            sent["Content-Type"] = "application/x-www-form-urlencoded"
        request = urllib.request.Request(self.base + path, data=data, method=method, headers=sent)
        with urllib.request.urlopen(request, timeout=10) as response:
            text = response.read()
        return json.loads(text) if text else None

    def control(self, method: str, path: str, body: Any = None) -> Any:
        return self.call(method, path, body, {"X-Mtdsim-Control-Key": KEY})

    def bearer(self, kind: str) -> dict[str, str]:
        """A token of a new app of ``kind`` (admin or partner) in the simulated tenant."""
        if kind not in self.tokens:
            app = self.control("POST", f"/_sim/tenants/{self.tenant}/apps", {"kind": kind})
            form = {"grant_type": "client_credentials", "client_id": app["clientId"],
                    "client_secret": app["clientSecret"], "scope": "https://graph.microsoft.com/.default"}
            self.tokens[kind] = self.call("POST", f"/{self.tenant}/oauth2/v2.0/token", form=form)["access_token"]
        return {"Authorization": f"Bearer {self.tokens[kind]}"}

    def graph_devices(self) -> list[dict[str, Any]]:
        headers = self.bearer("admin")
        found: list[dict[str, Any]] = []
        path: str | None = "/v1.0/deviceManagement/managedDevices?$top=1000"
        while path:
            page = self.call("GET", path, headers=headers)
            found += page["value"]
            link = page.get("@odata.nextLink")
            path = link[len(self.base):] if link else None
        return found


def _free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return int(sock.getsockname()[1])


def _wait_listening(port: int, server: subprocess.Popen[str]) -> None:
    deadline = time.monotonic() + 15
    while time.monotonic() < deadline:
        assert server.poll() is None, "mtdsim serve exited"
        with socket.socket() as sock:
            if sock.connect_ex(("127.0.0.1", port)) == 0:
                return
        time.sleep(0.05)
    raise AssertionError("mtdsim serve did not listen within 15 s")


@pytest.fixture(scope="module")
def world() -> Iterator[World]:
    port = _free_port()
    command = [sys.executable, "-m", "simulator", "serve", "--port", str(port), "--control-key", KEY, "--seed", "1"]
    with subprocess.Popen(command, stdout=subprocess.PIPE, stderr=subprocess.STDOUT, text=True) as server:
        try:
            _wait_listening(port, server)
            base = f"http://127.0.0.1:{port}"
            run = subprocess.run(
                [sys.executable, "-m", "simulator", "simulate", "--target", base, "--control-key", KEY,
                 "--android", "60", "--ios", "40", "--days", "1", "--events-per-day", "1", "--seed", str(SEED),
                 "--block-missing-data", "--never-report", "0.1", "--json"],
                capture_output=True, text=True, timeout=60, check=True,
            )  # fmt: skip
            yield World(base, json.loads(run.stdout)["tenantId"])
        finally:
            server.send_signal(signal.SIGINT)
            server.wait(timeout=15)


@pytest.fixture(scope="module")
def browser_context() -> Iterator[Any]:
    from playwright.sync_api import sync_playwright

    with sync_playwright() as playwright, tempfile.TemporaryDirectory() as profile:
        context = playwright.chromium.launch_persistent_context(
            profile, executable_path=CHROMIUM, headless=True, args=CHROMIUM_ARGS,
            viewport={"width": 1280, "height": 900},
        )  # fmt: skip
        try:
            yield context
        finally:
            context.close()


@pytest.fixture(scope="module")
def console_errors() -> list[str]:
    return []


@pytest.fixture(scope="module")
def page(browser_context: Any, world: World, console_errors: list[str]) -> Any:
    """One tab for the module; every console error and uncaught exception it sees is collected."""
    tab = browser_context.new_page()
    tab.set_default_timeout(10_000)
    tab.on("console", lambda message: console_errors.append(message.text) if message.type == "error" else None)
    tab.on("pageerror", lambda error: console_errors.append(str(error)))
    return tab
