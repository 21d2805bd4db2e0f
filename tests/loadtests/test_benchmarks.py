"""The benchmarks' quick mode, so they keep working. Their numbers are not asserted (no timing assertions)."""

from __future__ import annotations

import json
import subprocess
import sys
import time
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
    batch = {m["name"].strip(): m for m in json.loads((tmp_path / "bench_batch.json").read_text())["measures"]}
    share = batch["same, as a share of bare parse+store (context)"]["measured"]
    verdict = batch["batch of 1000 validated reports, one core"]
    assert verdict["measured"] == pytest.approx(share * 216_170)  # the bare rate of reference/performance.md
    assert verdict["meets"] is (share >= 200_000 / 216_170)
    raw = batch["same, raw rate in this run (context)"]
    assert raw["measured"] > 0 and raw["baseline"] > 0 and raw["meets"] is None


@pytest.mark.slow
def test_instruction_counts_come_from_valgrind_runs_of_the_real_mock() -> None:
    # valgrind comes with the machine image (Debian package); the tool refuses with exit 2 where it is missing.
    done = subprocess.run([sys.executable, "-m", "loadtests.instructions", "single", "--servers", "mock",
                           "--requests", "2", "4"], capture_output=True, text=True, timeout=600, check=False)
    assert done.returncode == 0, done.stdout[-3000:] + done.stderr[-3000:]
    result = json.loads(done.stdout.strip().splitlines()[-1])
    assert result["requests"] == [2, 4]
    # Two more single-report requests cost more than the bare loop of a server (~100k) and far less than a start-up.
    assert 100_000 < result["instructions_per_request"]["mock"] < 5_000_000


@pytest.mark.slow
def test_a_locust_contender_sends_nothing_between_its_turns_and_heartbeats_during_them() -> None:
    from loadtests.bench_locust import SETTLE, _contender, _wait_until_sending

    with _contender("bare", "bare_locustfile.py", [], run_limit=60) as contender:
        _wait_until_sending([contender])
        contender.pause()
        time.sleep(SETTLE)
        paused_at = contender.heartbeats()
        time.sleep(0.5)
        assert contender.heartbeats() == paused_at
        rate = contender.turn(0.5)
        after_turn = contender.heartbeats()
        assert rate == pytest.approx((after_turn - paused_at) / 0.5, rel=0.2)
        assert rate > 50
        time.sleep(0.3)
        assert contender.heartbeats() == after_turn


def test_a_benchmark_whose_reports_were_rejected_fails_instead_of_reporting_a_rate() -> None:
    from loadtests.benchlib import accepted_only
    from simulator.errors import SimulationError

    clean = {"reportsAccepted": 4000, "reportsRejected": {}}
    assert accepted_only(clean) is clean
    with pytest.raises(SimulationError, match="staleReport"):
        accepted_only({"reportsAccepted": 3000, "reportsRejected": {"staleReport": 1000}})
