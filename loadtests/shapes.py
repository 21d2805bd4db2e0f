"""Load shapes as pure functions of elapsed time: constant, ramp, spike and soak.

``locustfile.MtdShape`` (a ``LoadTestShape``) calls :func:`tick` once a second; keeping the arithmetic here means
it is tested without importing locust (whose gevent monkey patching must stay out of the test process).
The peak is always ``--users``, so a device pool sized for ``--users`` covers every shape.
"""

from __future__ import annotations

import math
from dataclasses import dataclass

__all__ = ["SHAPES", "ShapePlan", "tick"]

SHAPES = ("constant", "ramp", "spike", "soak")


@dataclass(frozen=True, slots=True)
class ShapePlan:
    """What a shape needs; durations in seconds. ``run_time`` None: no limit but the shape's own (soak)."""

    shape: str = "constant"
    users: int = 1
    spawn_rate: float = 1.0
    ramp_seconds: float = 30.0
    ramp_steps: int = 5
    spike_at: float = 10.0
    spike_seconds: float = 10.0
    spike_base: float = 0.2
    soak_seconds: float = 3600.0
    run_time: float | None = None

    def __post_init__(self) -> None:
        if self.shape not in SHAPES:
            raise ValueError(f"unknown shape {self.shape!r}; choose one of {', '.join(SHAPES)}")


def tick(plan: ShapePlan, elapsed: float) -> tuple[int, float] | None:
    """``(user_count, spawn_rate)`` at ``elapsed`` seconds, or None when the shape (or --run-time) is over.

    Locust does not apply --run-time while a shape class drives the test, so the shape does.
    """
    if plan.run_time and elapsed >= plan.run_time:
        return None
    if plan.shape == "ramp":
        return _ramp(plan, elapsed), plan.spawn_rate
    if plan.shape == "spike":
        return _spike(plan, elapsed)
    if plan.shape == "soak":
        if elapsed >= plan.ramp_seconds + plan.soak_seconds:
            return None
        return _ramp(plan, elapsed), plan.spawn_rate
    return plan.users, plan.spawn_rate


def _ramp(plan: ShapePlan, elapsed: float) -> int:
    """Staircase from users/steps up to users over ramp_seconds, then hold (steps keep spawn bursts readable)."""
    if plan.ramp_seconds <= 0 or elapsed >= plan.ramp_seconds:
        return plan.users
    steps = max(1, plan.ramp_steps)
    step = min(steps, 1 + math.floor(elapsed / (plan.ramp_seconds / steps)))
    return max(1, math.ceil(plan.users * step / steps))


def _spike(plan: ShapePlan, elapsed: float) -> tuple[int, float]:
    """Base load, then every user at once (spawn rate = users/s) for spike_seconds, then back to base."""
    base = max(1, math.ceil(plan.users * plan.spike_base))
    if plan.spike_at <= elapsed < plan.spike_at + plan.spike_seconds:
        return plan.users, float(max(plan.users, 1))
    return base, float(max(plan.users, 1))
