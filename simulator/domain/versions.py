"""OS version order as people mean it: numeric per dotted part, so "4.1" < "4.10" and "15.6" < "15.10"."""

from __future__ import annotations

from functools import lru_cache

__all__ = ["parse_version", "version_below"]


@lru_cache(maxsize=4096)
def parse_version(text: str) -> tuple[int, ...]:
    """``"15.6.1"`` -> ``(15, 6, 1)``; trailing zero parts are dropped so "11" equals "11.0"."""
    try:
        parts = [int(part) for part in text.strip().split(".")]
    except ValueError as exc:
        raise ValueError(f"not a dotted numeric OS version: {text!r}") from exc
    while len(parts) > 1 and parts[-1] == 0:
        parts.pop()
    return tuple(parts)


def version_below(version: str, minimum: str) -> bool:
    """True when ``version`` is older than ``minimum``."""
    return parse_version(version) < parse_version(minimum)
