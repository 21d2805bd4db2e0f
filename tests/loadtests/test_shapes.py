from __future__ import annotations

import pytest

from loadtests.shapes import ShapePlan, tick


def test_constant_shape_holds_users_until_run_time() -> None:
    plan = ShapePlan(users=20, spawn_rate=5, run_time=60)
    assert tick(plan, 0) == (20, 5)
    assert tick(plan, 59.9) == (20, 5)
    assert tick(plan, 60) is None


def test_ramp_climbs_in_steps_and_holds_the_peak() -> None:
    plan = ShapePlan(shape="ramp", users=100, spawn_rate=10, ramp_seconds=50, ramp_steps=5)
    counts = [tick(plan, t) for t in (0, 10, 25, 49, 50, 500)]
    assert [c[0] for c in counts if c] == [20, 40, 60, 100, 100, 100]


def test_spike_runs_base_load_then_every_user_then_base_again() -> None:
    plan = ShapePlan(shape="spike", users=50, spike_at=10, spike_seconds=5, spike_base=0.2)
    assert [tick(plan, t) for t in (0, 10, 14.9, 15)] == [(10, 50.0), (50, 50.0), (50, 50.0), (10, 50.0)]


def test_soak_ends_after_ramp_plus_hold() -> None:
    plan = ShapePlan(shape="soak", users=10, ramp_seconds=10, soak_seconds=100)
    assert tick(plan, 50) == (10, 1.0)
    assert tick(plan, 110) is None


def test_unknown_shape_is_refused() -> None:
    with pytest.raises(ValueError, match="unknown shape"):
        ShapePlan(shape="wave")
