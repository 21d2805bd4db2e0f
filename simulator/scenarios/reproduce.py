"""The one command that reproduces a scenario from a clean state, and ``FILE::NAME`` to pick that scenario again.

A scenario needs nothing from the run it failed in: it resets its target, builds its own tenants, apps and devices,
fetches its own tokens and sets the clock, and every id it makes comes from the seed. So re-running it alone with
the same seed (on the embedded mock, or on the same ``--target``) replays it exactly.
"""

from __future__ import annotations

import shlex
from collections.abc import Sequence
from pathlib import Path

from simulator.errors import ConfigError
from simulator.scenarios.model import Scenario
from simulator.scenarios.validation import closest

__all__ = ["SEPARATOR", "pick", "reproduce_command", "split_address"]

SEPARATOR = "::"
CONTROL_KEY_REFERENCE = '"$MTDSIM_CONTROL_KEY"'  # the key itself is a secret: failure reports get pasted around


def reproduce_command(scenario: Scenario, seed: int | str, target: str | None = None) -> str:
    parts = ["mtdsim", "run", shlex.quote(f"{scenario.path}{SEPARATOR}{scenario.name}"), "--seed", str(seed)]
    if target:
        parts += ["--target", shlex.quote(target), "--control-key", CONTROL_KEY_REFERENCE]
    return " ".join(parts)


def split_address(text: str) -> tuple[Path, str | None]:
    """``file::name`` -> (file, name); a plain path -> (path, None)."""
    path, separator, name = text.partition(SEPARATOR)
    return Path(path), (name if separator else None)


def pick(scenarios: Sequence[Scenario], name: str, where: Path) -> list[Scenario]:
    """The scenario called ``name``; a parametrized scenario's bare name picks every row."""
    exact = [s for s in scenarios if s.name == name]
    found = exact or [s for s in scenarios if s.name.startswith(f"{name}[")]
    if not found:
        names = [s.name for s in scenarios]
        hint = closest(name, names, cutoff=0.5)
        suggestion = f" (did you mean {hint!r}?)" if hint else ""
        raise ConfigError(f"{where}{SEPARATOR}{name}: no scenario of that name in the file{suggestion}")
    return found
