from __future__ import annotations

from datetime import timedelta

import pytest
from rich.console import Console

from simulator.cli import main
from simulator.cli._progress import PhaseProgress
from simulator.consoles.simulation import SimulationConfig, simulate


async def test_simulate_reports_progress_through_every_phase_to_its_end() -> None:
    seen: list[tuple[str, int, int | None]] = []
    config = SimulationConfig(seed=8, android=7, ios=5, days=0.25, tick=timedelta(hours=1))
    await simulate(config, lambda phase, done, total: seen.append((phase, done, total)))
    phases = list(dict.fromkeys(phase for phase, _, _ in seen))
    assert phases == ["enroll", "devices", "simulate", "read-back"]
    last = {phase: (done, total) for phase, done, total in seen}
    assert last == {"enroll": (12, 12), "devices": (12, 12), "simulate": (6, 6), "read-back": (12, 12)}


def test_the_progress_display_shows_each_phase_with_its_rate_and_time_left() -> None:
    progress = PhaseProgress(Console(width=120, force_terminal=False, record=True))
    with progress:
        for done in (0, 500, 1000):
            progress("enroll", done, 1000)
        progress("simulate", 3, 24)
    text = progress.bar.console.export_text()
    assert "enrolling devices" in text and "1000/1000" in text and "simulating ticks" in text and "3/24" in text
    assert "eta" in text and "dev/s" in text
    enroll, simulate_ = progress.bar.tasks
    assert enroll.stop_time is not None and simulate_.stop_time is None  # the finished phase's timer stopped


def test_simulate_with_progress_on_prints_the_phases_then_the_summary(capsys: pytest.CaptureFixture[str]) -> None:
    assert main(["simulate", "--seed", "3", "--android", "2", "--ios", "2", "--days", "0.1"]) == 0
    out = capsys.readouterr().out
    assert "reading compliance back" in out and "reproduce with: --seed 3" in out
