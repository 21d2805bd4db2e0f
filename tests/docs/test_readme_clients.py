"""The README's "Point your own stack at mtdsim" snippets run verbatim (port and CA path swapped for the test's)
against a real ``mtdsim serve --tls``: MSAL, azure-identity and the Graph SDK as a partner would paste them."""

from __future__ import annotations

import os
import re
import subprocess
import sys
from collections.abc import Iterator
from pathlib import Path

import pytest

from loadtests.mockproc import read_banner

README = Path(__file__).parents[2] / "README.md"
HEADING = "## Point your own stack at mtdsim"
CA_EXPRESSION = 'os.path.expanduser("~/.local/share/mtdsim/tls/ca.pem")'


def snippets() -> list[str]:
    text = README.read_text()
    start = text.index(HEADING)
    section = text[start : text.find("\n## ", start + len(HEADING))]
    return re.findall(r"```python\n(.*?)```", section, re.DOTALL)


@pytest.fixture(scope="module")
def tls_readme_server(tmp_path_factory: pytest.TempPathFactory) -> Iterator[tuple[str, Path]]:
    tls_dir = tmp_path_factory.mktemp("tls")
    process = subprocess.Popen([sys.executable, "-m", "simulator", "serve", "--tls", "--tls-dir", str(tls_dir),
                                "--port", "0"], stdout=subprocess.PIPE, stderr=subprocess.STDOUT, text=True)
    assert process.stdout is not None
    banner = read_banner(process.stdout)
    try:
        match = re.search(r"https://127\.0\.0\.1:\d+", banner)
        assert match, banner
        yield match.group(0), tls_dir / "ca.pem"
    finally:
        process.terminate()
        process.communicate(timeout=15)


def test_the_section_has_the_msal_azure_identity_and_graph_sdk_snippets():
    found = snippets()
    assert len(found) == 3
    assert "msal.ConfidentialClientApplication" in found[0]
    assert "ClientSecretCredential" in found[1] and "GraphServiceClient(credentials=" in found[2]
    assert all(CA_EXPRESSION in snippet for snippet in found)


@pytest.mark.slow
@pytest.mark.filterwarnings("ignore::DeprecationWarning")
@pytest.mark.parametrize("index", [0, 1, 2], ids=["msal", "azure-identity", "graph-sdk"])
def test_readme_client_snippet_runs_against_mtdsim_serve_tls(index, tls_readme_server):
    url, ca_file = tls_readme_server
    code = snippets()[index].replace("https://127.0.0.1:8765", url).replace(CA_EXPRESSION, repr(str(ca_file)))
    env = {k: v for k, v in os.environ.items() if k not in ("REQUESTS_CA_BUNDLE", "CURL_CA_BUNDLE")}
    done = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, timeout=120, env=env)
    assert done.returncode == 0, done.stdout + done.stderr
    assert done.stdout.strip(), done.stderr
    if index == 2:
        assert "'Android'" in done.stdout and "'iOS'" in done.stdout
