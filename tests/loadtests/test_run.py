from __future__ import annotations

import subprocess
import sys
from pathlib import Path

import pytest

from loadtests.options import load_profile
from loadtests.run import build_parser, locust_command
from loadtests.thresholds import thresholds_from_profile

PROFILES = Path(__file__).resolve().parents[2] / "loadtests" / "profiles"


@pytest.mark.parametrize("name", ["smoke.yaml", "soak.yaml", "spike.yaml"])
def test_shipped_load_profiles_parse_into_thresholds(name: str) -> None:
    assert thresholds_from_profile(load_profile(PROFILES / name))


def test_command_line_settings_win_over_the_profile() -> None:
    args = build_parser().parse_args(["--users", "7", "--threshold", "rps > 1", "--", "--mtd-shape", "ramp"])
    command = locust_command(args, {"users": 20, "run_time": "9s", "processes": 2}, "http://127.0.0.1:1", "k", "s")
    assert command[command.index("-u") + 1] == "7"
    assert command[command.index("-t") + 1] == "9s"
    assert command[command.index("--processes") + 1] == "2"
    assert command[-2:] == ["--mtd-shape", "ramp"]
    assert command[command.index("--mtd-threshold") + 1] == "rps > 1"


def test_the_control_key_goes_to_locust_in_one_argument_so_a_leading_dash_is_not_an_option() -> None:
    command = locust_command(build_parser().parse_args([]), {}, "http://127.0.0.1:1", "-Xy_key", "s")
    assert "--mtd-control-key=-Xy_key" in command


@pytest.mark.slow
def test_one_command_run_exits_3_and_names_the_threshold_that_failed(tmp_path: Path) -> None:
    done = subprocess.run(
        [sys.executable, "-m", "loadtests.run", "-u", "4", "-r", "4", "-t", "3s", "--seed", "3",
         "--summary", str(tmp_path / "s.json"), "--threshold", "fail_ratio <= 0", "--threshold", "rps >= 1e9"],
        capture_output=True, text=True, timeout=120, check=False,
    )
    assert done.returncode == 3, done.stdout[-2000:] + done.stderr[-2000:]
    assert "threshold failed: rps >= 1e+09" in done.stderr
    assert "FAIL  rps >= 1e+09" in done.stdout
    assert "PASS  fail_ratio <= 0" in done.stdout
