from __future__ import annotations

import importlib.metadata

import pytest

pytest_plugins = ["pytester"]


@pytest.fixture
def plugin_args() -> list[str]:
    """``-p`` for the scenario plugin unless the installed entry point loads it already (loading it twice fails)."""
    installed = importlib.metadata.entry_points(group="pytest11", name="mtdsim_scenarios")
    return [] if installed else ["-p", "simulator.scenarios.plugin"]
