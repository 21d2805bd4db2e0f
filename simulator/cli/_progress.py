"""The progress display of ``mtdsim simulate``: one line per phase with its count, rate and time left.

Rich redraws from its own thread, so the elapsed time and the rate keep moving while the event loop is busy (a long
page of the read-back, a tick of a large fleet): a run is never silent for more than the redraw interval.
"""

from __future__ import annotations

from typing import Any

from rich.console import Console
from rich.progress import (
    BarColumn,
    MofNCompleteColumn,
    Progress,
    ProgressColumn,
    Task,
    TextColumn,
    TimeElapsedColumn,
    TimeRemainingColumn,
)
from rich.text import Text

__all__ = ["PHASES", "PhaseProgress"]

# phase -> (label, unit of its count)
PHASES = {
    "enroll": ("enrolling devices", "dev"),
    "devices": ("partner lists devices", "dev"),
    "simulate": ("simulating ticks", "ticks"),
    "read-back": ("reading compliance back", "dev"),
}


class RateColumn(ProgressColumn):
    """Items per second over the last seconds (Rich's own estimate), in the phase's unit."""

    def render(self, task: Task) -> Text:
        speed = task.finished_speed or task.speed
        unit = task.fields.get("unit", "")
        if speed is None:
            return Text("")
        shown = f"{speed / 1000:.1f}k" if speed >= 1000 else f"{speed:.1f}"
        return Text(f"{shown} {unit}/s", style="progress.data.speed")


class PhaseProgress:
    """A ``simulator.consoles.simulation`` progress callback drawing one Rich task per phase."""

    def __init__(self, console: Console | None = None) -> None:
        self.bar = Progress(TextColumn("{task.description}"), BarColumn(), MofNCompleteColumn(), RateColumn(),
                            TimeElapsedColumn(), TextColumn("eta"), TimeRemainingColumn(),
                            refresh_per_second=4, console=console)  # fmt: skip
        self._tasks: dict[str, Any] = {}

    def __enter__(self) -> PhaseProgress:
        self.bar.__enter__()
        return self

    def __exit__(self, *exc: object) -> None:
        self.bar.__exit__(None, None, None)

    def __call__(self, phase: str, done: int, total: int | None) -> None:
        if phase not in self._tasks:
            for earlier in self._tasks.values():  # a new phase ends the ones before it: their timers stop
                self.bar.stop_task(earlier)
            label, unit = PHASES.get(phase, (phase, "items"))
            self._tasks[phase] = self.bar.add_task(label, total=total, unit=unit)
        self.bar.update(self._tasks[phase], completed=done, total=total)
