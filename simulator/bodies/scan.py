"""An upper bound on the JSON values in a body, at the speed of ``bytes.translate``: no parsing.

Every value but the top one is an array element or object member, and every element or member but a container's
first follows a comma; every object key (a value too, for the parser) has its colon. So a body holds at most
``commas + containers + colons + 1`` values, where containers are at most its ``[`` and ``{``. Commas, colons and
brackets inside strings only raise the bound: it never underestimates. Counted in one pass by deleting the four
bytes and comparing lengths (0.7 ms for 2 MB here; four ``bytes.count`` passes take 2 ms).
"""

from __future__ import annotations

__all__ = ["structural_bytes", "values_bound"]

_STRUCTURAL = b",:[{"


def values_bound(body: bytes) -> int:
    """At most this many JSON values (keys included) are in ``body``, if it is JSON at all."""
    return structural_bytes(body, 0, len(body)) + 1


def structural_bytes(body: bytes, start: int, stop: int) -> int:
    """The commas, colons, ``[`` and ``{`` in ``body[start:stop]``: summed over slices, the bound less one."""
    part = body[start:stop]
    return len(part) - len(part.translate(None, _STRUCTURAL))
