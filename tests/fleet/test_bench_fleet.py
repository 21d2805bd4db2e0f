from __future__ import annotations

import json
import subprocess
import sys
from pathlib import Path

import pytest

BENCH = Path(__file__).resolve().parents[2] / "loadtests" / "bench_fleet.py"


@pytest.mark.slow
def test_fleet_benchmark_quick_run_prints_the_ratio_and_the_seed() -> None:
    done = subprocess.run([sys.executable, str(BENCH), "--quick", "--seed", "11"], capture_output=True, text=True,
                          check=True, timeout=120)  # fmt: skip
    result = json.loads(done.stdout.strip().splitlines()[-1])
    assert result["seed"] == 11 and result["devices"] == 20_000
    assert result["ratio_creation"] > 0 and result["faker_devices_per_s"] > 0
    assert result["ours_materialised_per_s"] > 0 and result["ours_streamed_per_s"] > 0
    assert result["ours_held_rss_mib"] >= result["ours_rss_mib"]
    assert "ratio vs Faker" in done.stdout
