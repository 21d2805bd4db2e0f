"""pytest plugin (entry point ``mtdsim_scenarios``): each ``*.scenario.yaml`` document is one test item.

Tags become markers (registered as they are collected, so ``--strict-markers`` passes); a malformed file is a
collection error with one located sentence; a failed step is rendered with its request, response and mismatches.
"""

from __future__ import annotations

import asyncio
from collections.abc import Iterable
from pathlib import Path
from typing import Any

import pytest

from simulator.errors import ScenarioSyntaxError, StepFailed
from simulator.scenarios.loader import load_file
from simulator.scenarios.model import Scenario
from simulator.scenarios.paths import SCENARIO_SUFFIX
from simulator.scenarios.render import render_failure
from simulator.scenarios.session import RunOptions, run_all

__all__ = ["ScenarioFile", "ScenarioItem"]


def pytest_addoption(parser: pytest.Parser) -> None:
    group = parser.getgroup("mtdsim", "mtdsim scenarios")
    group.addoption("--mtdsim-target", default=None, help="run scenarios against this URL (env MTDSIM_TARGET)")
    group.addoption(
        "--mtdsim-control-key", default=None, help="control key of --mtdsim-target (env MTDSIM_CONTROL_KEY)"
    )
    group.addoption("--mtdsim-seed", type=int, default=0, help="seed for generated ids (default 0)")


def pytest_report_header(config: pytest.Config) -> str:
    target = config.getoption("mtdsim_target") or "embedded mock"
    return f"mtdsim scenarios: seed {config.getoption('mtdsim_seed')}, target {target}"


def pytest_collect_file(file_path: Path, parent: pytest.Collector) -> ScenarioFile | None:
    if file_path.name.endswith(SCENARIO_SUFFIX):
        return ScenarioFile.from_parent(parent, path=file_path)
    return None


class ScenarioFile(pytest.File):
    def collect(self) -> Iterable[ScenarioItem]:
        try:
            scenarios = load_file(self.path)
        except ScenarioSyntaxError as exc:
            raise self.CollectError(str(exc)) from exc
        for scenario in scenarios:
            item = ScenarioItem.from_parent(self, name=scenario.name, scenario=scenario)
            for tag in scenario.tags:
                self.config.addinivalue_line("markers", f"{tag}: scenario tag")
                item.add_marker(tag)
            yield item


class ScenarioItem(pytest.Item):
    def __init__(self, *, scenario: Scenario, **kwargs: Any) -> None:
        super().__init__(**kwargs)
        self.scenario = scenario
        self.reproduce = ""

    def runtest(self) -> None:
        config = self.config
        options = RunOptions.from_env(
            config.getoption("mtdsim_seed"), config.getoption("mtdsim_target"), config.getoption("mtdsim_control_key")
        )
        (outcome,) = asyncio.run(run_all([self.scenario], options))
        self.reproduce = outcome.reproduce
        if outcome.failure is not None:
            raise outcome.failure

    def repr_failure(
        self, excinfo: pytest.ExceptionInfo[BaseException], style: Any = None
    ) -> str | Any:
        if isinstance(excinfo.value, StepFailed):
            return render_failure(excinfo.value, self.scenario, self.reproduce)
        return super().repr_failure(excinfo, style=style)

    def reportinfo(self) -> tuple[Path, int, str]:
        return self.path, self.scenario.line - 1, f"scenario: {self.scenario.name}"
