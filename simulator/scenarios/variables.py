"""``{name}`` substitution in step arguments and expectations; ``save`` reads values out of a response."""

from __future__ import annotations

import re
from collections.abc import Mapping
from typing import Any

from simulator.errors import ScenarioError
from simulator.scenarios.exchange import Exchange
from simulator.scenarios.matching import MISSING, resolve

__all__ = ["saved_value", "substitute"]

_NAME = re.compile(r"\{([A-Za-z_][A-Za-z0-9_.-]*)\}")


def substitute(value: Any, names: Mapping[str, Any]) -> Any:
    """Replace ``{name}`` in every string of ``value``; a string that is exactly ``{name}`` takes the value's
    own type (a saved number stays a number)."""
    if isinstance(value, str):
        whole = _NAME.fullmatch(value)
        if whole:
            return _lookup(whole.group(1), names)
        return _NAME.sub(lambda m: str(_lookup(m.group(1), names)), value)
    if isinstance(value, dict):
        return {k: substitute(v, names) for k, v in value.items()}
    if isinstance(value, list):
        return [substitute(v, names) for v in value]
    return value


def _lookup(name: str, names: Mapping[str, Any]) -> Any:
    if name not in names:
        known = ", ".join(sorted(names))
        raise ScenarioError(f"unknown variable {{{name}}}; known: {known}")
    return names[name]


def saved_value(exchange: Exchange, where: str) -> Any:
    """``status``, ``header:<name>`` or a JSON pointer into the response body."""
    if where == "status":
        return exchange.status
    if where.startswith("header:"):
        wanted = where.split(":", 1)[1].lower()
        value = next((v for k, v in exchange.response_headers.items() if k.lower() == wanted), MISSING)
    else:
        value = resolve(exchange.response_body, where)
    if value is MISSING:
        raise ScenarioError(f"cannot save {where!r}: the response has no such value")
    return value
