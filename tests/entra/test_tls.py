"""``mtdsim serve --tls``: HTTPS from a local CA made once and kept; the CA file printed; plain HTTP stays default."""

from __future__ import annotations

import json
import os
import ssl
import subprocess
import sys
import urllib.error
import urllib.request
from pathlib import Path

import pytest
from cryptography import x509

from simulator.entra.tls import local_certificate, server_ssl_context
from simulator.entra.trust import client_ssl_context
from simulator.errors import ConfigError

from .conftest import CONTROL_KEY, start_tls_serve, stop


def get(url: str, ca_file: Path | None) -> int:
    context = ssl.create_default_context(cafile=str(ca_file)) if ca_file else ssl.create_default_context()
    request = urllib.request.Request(url, headers={"X-Mtdsim-Control-Key": CONTROL_KEY})
    with urllib.request.urlopen(request, timeout=10, context=context) as response:
        return int(response.status)


def test_the_local_ca_is_made_once_and_the_server_certificate_is_kept(tmp_path):
    first = local_certificate(tmp_path)
    ca, cert = (tmp_path / "ca.pem").read_bytes(), first.cert_file.read_bytes()
    again = local_certificate(tmp_path)
    assert again == first and (tmp_path / "ca.pem").read_bytes() == ca and again.cert_file.read_bytes() == cert
    assert oct((tmp_path / "ca-key.pem").stat().st_mode & 0o777) == "0o600"
    san = x509.load_pem_x509_certificate(cert).extensions.get_extension_for_class(x509.SubjectAlternativeName)
    assert {"localhost"} <= set(san.value.get_values_for_type(x509.DNSName))
    server_ssl_context(first)  # loads


def test_a_new_host_gets_a_new_server_certificate_from_the_same_ca(tmp_path):
    first = local_certificate(tmp_path)
    ca, cert = (tmp_path / "ca.pem").read_bytes(), first.cert_file.read_bytes()
    local_certificate(tmp_path, ["mtd.test"])
    assert (tmp_path / "ca.pem").read_bytes() == ca and first.cert_file.read_bytes() != cert
    san = x509.load_pem_x509_certificate(first.cert_file.read_bytes()).extensions.get_extension_for_class(
        x509.SubjectAlternativeName)
    assert "mtd.test" in san.value.get_values_for_type(x509.DNSName)


def test_a_missing_ca_file_for_a_client_is_a_config_error(tmp_path):
    with pytest.raises(ConfigError):
        client_ssl_context(tmp_path / "nope.pem")
    assert client_ssl_context(None) is None


@pytest.mark.slow
def test_serve_tls_answers_https_trusted_through_the_printed_ca_and_refuses_without_it(tls_server):
    assert f"trust CA      {tls_server.ca_file}" in tls_server.banner
    assert f"mtdsim serving on {tls_server.url}" in tls_server.banner
    assert get(f"{tls_server.url}/_sim/clock", tls_server.ca_file) == 200
    with pytest.raises(urllib.error.URLError) as caught:
        get(f"{tls_server.url}/_sim/clock", None)
    assert isinstance(caught.value.reason, ssl.SSLCertVerificationError)


@pytest.mark.slow
def test_serve_takes_the_users_own_certificate_and_key(tmp_path):
    own = local_certificate(tmp_path / "own")
    process, url, banner = start_tls_serve(tmp_path / "unused", "--tls-cert", str(own.cert_file),
                                           "--tls-key", str(own.key_file))
    try:
        assert get(f"{url}/_sim/clock", own.ca_file) == 200
        assert "trust CA" not in banner and not (tmp_path / "unused" / "ca.pem").exists()
    finally:
        stop(process)


@pytest.mark.slow
def test_tls_cert_without_a_key_is_a_usage_error():
    result = subprocess.run([sys.executable, "-m", "simulator", "serve", "--tls-cert", "x.pem"],
                            capture_output=True, text=True, timeout=30)
    assert result.returncode == 2 and "--tls-cert and --tls-key go together" in result.stderr


@pytest.mark.slow
def test_our_report_command_reads_an_https_target_with_ca(tls_server, tmp_path):
    out = tmp_path / "report.json"
    result = subprocess.run([sys.executable, "-m", "simulator", "report", "--target", tls_server.url,
                             "--control-key", CONTROL_KEY, "--ca", str(tls_server.ca_file), "--json", str(out)],
                            capture_output=True, text=True, timeout=60)
    assert result.returncode == 0, result.stdout + result.stderr
    assert json.loads(out.read_text())["target"] == tls_server.url


@pytest.mark.slow
def test_scenario_runner_and_simulate_drive_an_https_target_with_ca(tls_server):
    suite = Path(__file__).resolve().parents[2] / "scenarios" / "classic_policies.scenario.yaml"
    run = subprocess.run([sys.executable, "-m", "simulator", "run", str(suite),
                          "--target", tls_server.url, "--control-key", CONTROL_KEY, "--ca", str(tls_server.ca_file),
                          "-q"], capture_output=True, text=True, timeout=120)
    assert run.returncode == 0, run.stdout + run.stderr
    simulate = subprocess.run([sys.executable, "-m", "simulator", "simulate", "--target", tls_server.url,
                               "--control-key", CONTROL_KEY, "--ca", str(tls_server.ca_file), "--android", "3",
                               "--ios", "3", "--days", "0.5", "--seed", "4", "--json"],
                              capture_output=True, text=True, timeout=120)
    assert simulate.returncode == 0, simulate.stdout + simulate.stderr
    summary = json.loads(simulate.stdout)
    assert summary["target"] == tls_server.url


@pytest.mark.slow
def test_load_test_setup_calls_trust_mtdsim_ca_for_an_https_target(tls_server, monkeypatch):
    from loadtests import target

    monkeypatch.setenv("MTDSIM_CA", str(tls_server.ca_file))
    target._ssl_context.cache_clear()
    try:
        stats = target.fetch_stats(tls_server.url, CONTROL_KEY)
    finally:
        target._ssl_context.cache_clear()
    assert "requests" in stats


@pytest.mark.slow
def test_locust_users_drive_an_https_mock_trusted_through_mtdsim_ca(tls_server, tmp_path):
    summary = tmp_path / "summary.json"
    command = [sys.executable, "-m", "locust", "-f", "loadtests/locustfile.py", "--headless", "--only-summary",
               "--host", tls_server.url, f"--mtd-control-key={CONTROL_KEY}", "--mtd-summary", str(summary),
               "-u", "2", "-r", "2", "-t", "3s", "--stop-timeout", "5", "--mtd-seed", "7"]  # fmt: skip
    env = {**os.environ, "MTDSIM_CA": str(tls_server.ca_file)}
    done = subprocess.run(command, capture_output=True, text=True, timeout=120, env=env, check=False,
                          cwd=Path(__file__).parents[2])  # fmt: skip
    assert done.returncode == 0, done.stdout[-2000:] + done.stderr[-2000:]
    stats = json.loads(summary.read_text())["stats"]
    assert sum(row["requests"] for row in stats) > 0
    assert all(row["failRatio"] == 0 for row in stats), stats
