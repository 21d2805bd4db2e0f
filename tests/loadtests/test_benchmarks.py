"""The benchmarks' quick mode, so they keep working. Their numbers are not asserted (no timing assertions)."""

from __future__ import annotations

import json
import subprocess
import sys
from pathlib import Path

import pytest

from loadtests.bench_all import BENCHMARKS


@pytest.mark.slow
def test_every_benchmark_runs_in_quick_mode_and_writes_a_ratio_per_target(tmp_path: Path) -> None:
    done = subprocess.run([sys.executable, "-m", "loadtests.bench_all", "--quick", "--json-dir", str(tmp_path)],
                          capture_output=True, text=True, timeout=600, check=False)
    assert done.returncode == 0, done.stdout[-3000:] + done.stderr[-3000:]
    for module in BENCHMARKS:
        document = json.loads((tmp_path / f"{module}.json").read_text())
        assert document["quick"] is True
        assert document["measures"], module
        for measure in document["measures"]:
            assert measure["measured"] > 0, (module, measure["name"])
            assert isinstance(measure["ratio"], float)
