"""The README's dashboard section runs as written (port swapped for a free one): a mock, a simulated fleet, a page."""

from __future__ import annotations

import json
import re
import signal
import subprocess
import sys
import urllib.request
from pathlib import Path

import pytest

from loadtests.mockproc import free_port, wait_for_port

README = Path(__file__).parents[2] / "README.md"


def dashboard_section() -> str:
    text = README.read_text()
    start = text.index("## The dashboard")
    return text[start : text.index("\n## ", start + 5)]


@pytest.mark.slow
def test_the_readme_dashboard_commands_give_a_page_with_the_run_named_by_its_seed() -> None:
    section = dashboard_section()
    [block] = re.findall(r"```bash\n(.*?)```", section, re.DOTALL)
    serve, simulate = (line.strip() for line in block.strip().splitlines())
    assert "(docs/img/dashboard.png)" in section and (README.parent / "docs/img/dashboard.png").is_file()
    port = str(free_port())
    serve_args = serve.removesuffix("&").split()
    assert serve_args[0] == "mtdsim"
    with subprocess.Popen([sys.executable, "-m", "simulator", *serve_args[1:], "--port", port],
                          stdout=subprocess.DEVNULL, stderr=subprocess.STDOUT) as server:  # fmt: skip
        try:
            wait_for_port(int(port), 15, server)
            args = simulate.replace("8765", port).split()
            subprocess.run([sys.executable, "-m", "simulator", *args[1:], "--no-progress"], check=True,
                           capture_output=True, timeout=60)  # fmt: skip
            key = re.search(r"--control-key (\S+)", serve).group(1)  # type: ignore[union-attr]
            base = f"http://127.0.0.1:{port}"
            with urllib.request.urlopen(f"{base}/_sim/views/tenants?key={key}", timeout=10) as response:
                names = [t["displayName"] for t in json.load(response)["value"]]
            assert any(name.startswith("mtdsim simulate seed 7 at ") for name in names), names
            with urllib.request.urlopen(f"{base}/_sim/dashboard?key={key}", timeout=10) as response:
                assert "/_sim/dashboard/static/app.js" in response.read().decode()
        finally:
            server.send_signal(signal.SIGINT)
            assert server.wait(timeout=15) == 0
