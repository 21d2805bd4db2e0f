"""The slice of OData ``$filter`` the Graph routes understand: ``prop eq 'value'`` clauses joined by ``and``."""

from __future__ import annotations

import re
from collections.abc import Collection

from simulator.errors import InvalidRequest

__all__ = ["parse_eq_filter"]

_CLAUSE = r"(\w+)\s+eq\s+'((?:[^']|'')*)'"
_WHOLE = re.compile(rf"^\s*{_CLAUSE}(?:\s+and\s+{_CLAUSE})*\s*$", re.IGNORECASE)
_ONE = re.compile(_CLAUSE, re.IGNORECASE)


def parse_eq_filter(text: str | None, allowed: Collection[str]) -> dict[str, str]:
    """``"operatingSystem eq 'iOS' and azureADDeviceId eq 'x'"`` -> ``{"operatingSystem": "iOS", ...}``."""
    if text is None or not text.strip():
        return {}
    if not _WHOLE.match(text):
        raise _unsupported(text, allowed)
    clauses = {name: value.replace("''", "'") for name, value in _ONE.findall(text)}
    unknown = [name for name in clauses if name not in allowed]
    if unknown:
        raise _unsupported(text, allowed)
    return clauses


def _unsupported(text: str, allowed: Collection[str]) -> InvalidRequest:
    names = ", ".join(sorted(allowed))
    return InvalidRequest(
        "invalidRequest",
        f"Invalid filter clause {text!r}: mtdsim supports 'property eq 'value'' joined by 'and', on {names}",
        target="$filter",
    )
