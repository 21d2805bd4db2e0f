from __future__ import annotations

import importlib.metadata

import pytest

# pytester is enabled for the whole suite in pyproject.toml (-p pytester): pytest_plugins may only live at the top.


@pytest.fixture
def plugin_args() -> list[str]:
    """``-p`` for the scenario plugin unless the installed entry point loads it already (loading it twice fails)."""
    installed = importlib.metadata.entry_points(group="pytest11", name="mtdsim_scenarios")
    return [] if installed else ["-p", "simulator.scenarios.plugin"]
