"""Scenario suites: the ``*.scenario.yaml`` format, its loader, the runner, the pytest plugin and reports.

    scenarios = load_file(Path("scenarios/lifecycle.scenario.yaml"))
    outcomes = asyncio.run(run_all(scenarios, RunOptions(seed=1)))
"""

from __future__ import annotations

from simulator.scenarios.loader import load_file, load_files, load_text
from simulator.scenarios.model import Expect, Given, Scenario, Step
from simulator.scenarios.paths import scenario_files, shipped_suite
from simulator.scenarios.render import render_failure
from simulator.scenarios.runner import Target, run_scenario
from simulator.scenarios.session import Outcome, RunOptions, run_all

__all__ = [
    "Expect",
    "Given",
    "Outcome",
    "RunOptions",
    "Scenario",
    "Step",
    "Target",
    "load_file",
    "load_files",
    "load_text",
    "render_failure",
    "run_all",
    "run_scenario",
    "scenario_files",
    "shipped_suite",
]
