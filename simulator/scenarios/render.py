"""Text of a scenario failure: where, which step, the request sent, the response, each mismatch, a curl line."""

from __future__ import annotations

import json
import textwrap
from typing import Any

from simulator.errors import Mismatch, StepFailed
from simulator.scenarios.exchange import Exchange
from simulator.scenarios.model import Scenario

__all__ = ["render_failure", "show"]


def show(value: Any) -> str:
    """A value as JSON when it is JSON-like, so strings are quoted and None reads null."""
    try:
        text = json.dumps(value, sort_keys=False)
    except (TypeError, ValueError):
        text = repr(value)
    return text if len(text) <= 300 else text[:300] + "..."


def _mismatch(m: Mismatch) -> str:
    line = f"{m.pointer or '/'}: expected {show(m.expected)}, got {show(m.actual)}"
    return f"{line} ({m.message})" if m.message else line


def render_failure(error: StepFailed, scenario: Scenario | None = None, reproduce: str | None = None) -> str:
    lines = [f"{error.path}:{error.line}: {error.step}: {error.message}"]
    if scenario is not None:
        lines.append(f"  scenario: {scenario.name} ({scenario.location})")
        lines.append(f"  source: {scenario.source}")
    exchange = error.request if isinstance(error.request, Exchange) else None
    if exchange is not None:
        lines += ["request sent:", _indent(exchange.describe_request())]
        lines += ["response received:", _indent(exchange.describe_response())]
    elif error.response is not None:
        lines += ["response received:", _indent(show(error.response))]
    if error.mismatches:
        lines.append("mismatches (JSON pointer: expected, actual):")
        lines += [f"  {_mismatch(m)}" for m in error.mismatches]
    if reproduce:
        lines += ["reproduce (from a clean state; with --target, set MTDSIM_CONTROL_KEY):", f"  {reproduce}"]
    if exchange is not None:
        # Why labelled: the token and the ids in it belong to the run's own state, gone once the run ends.
        lines += ["the failing request as curl (valid only while that run's state exists):", f"  {exchange.curl()}"]
    return "\n".join(lines)


def _indent(text: str) -> str:
    return textwrap.indent(text, "  ")
