"""Contracts and the shipped suite are found from a checkout and from an installed wheel (DESIGN 2)."""

from __future__ import annotations

import json
import os
import subprocess
import sys
import zipfile
from pathlib import Path

import pytest

import simulator
from simulator.contracts import ContractSet, contracts_dir
from simulator.scenarios.paths import shipped_suite

CHECKOUT = Path(__file__).parents[2]

# Run by a Python whose only copy of mtdsim is the unpacked wheel: where did it find its data?
PROBE = """
import json, simulator
from simulator.contracts import ContractSet, contracts_dir
from simulator.scenarios.paths import shipped_suite
contracts = ContractSet.load()
print(json.dumps({
    "package": simulator.__file__,
    "contracts": str(contracts_dir()),
    "names": list(contracts.names),
    "openapi": contracts.openapi_document()["openapi"],
    "suite": [p.name for p in sorted(shipped_suite().glob("*.scenario.yaml"))],
}))
"""


def test_a_checkout_finds_the_contracts_and_scenarios_folders_beside_the_package(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    monkeypatch.delenv("MTDSIM_CONTRACTS", raising=False)
    if (Path(simulator.__file__).parent / "_data").exists():
        pytest.skip("this mtdsim is an installed wheel, not a checkout")
    assert contracts_dir() == CHECKOUT / "contracts"
    assert shipped_suite() == CHECKOUT / "scenarios"
    assert "threat-report-batch" in ContractSet.load().names


@pytest.mark.slow
def test_an_installed_wheel_finds_its_own_contracts_and_scenarios(tmp_path: Path) -> None:
    command = [sys.executable, "-m", "pip", "wheel", str(CHECKOUT), "--no-deps", "--quiet", "--wheel-dir"]
    built = subprocess.run([*command, str(tmp_path / "dist")], capture_output=True, text=True, timeout=300)
    assert built.returncode == 0, built.stderr
    [wheel] = (tmp_path / "dist").glob("mtdsim-*.whl")
    site = tmp_path / "site"
    with zipfile.ZipFile(wheel) as archive:  # a pure-Python wheel installs by unpacking
        archive.extractall(site)
    env = {k: v for k, v in os.environ.items() if k != "MTDSIM_CONTRACTS"} | {"PYTHONPATH": str(site)}
    probe = subprocess.run([sys.executable, "-c", PROBE], capture_output=True, text=True, timeout=60, env=env,
                           cwd=tmp_path)  # fmt: skip
    assert probe.returncode == 0, probe.stderr
    found = json.loads(probe.stdout)
    assert found["package"] == str(site / "simulator" / "__init__.py")
    assert found["contracts"] == str(site / "simulator" / "_data" / "contracts")
    assert found["names"] == list(ContractSet.load(CHECKOUT / "contracts").names)
    assert found["openapi"].startswith("3.1")
    assert found["suite"] == [p.name for p in sorted((CHECKOUT / "scenarios").glob("*.scenario.yaml"))]
    example = site / "simulator" / "_data" / "contracts" / "examples" / "threat-report-batch" / "valid"
    validate = subprocess.run([sys.executable, "-m", "simulator", "contracts", "validate", "threat-report-batch",
                               str(next(example.glob("*.json")))], capture_output=True, text=True, timeout=60,
                              env=env, cwd=tmp_path)  # fmt: skip
    assert (validate.returncode, validate.stdout.strip()) == (0, "valid"), validate.stderr
