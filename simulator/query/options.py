"""OData system query options of a collection GET, read and checked once: a 400 names any option or value mtdsim
does not answer, so a client never gets a silently different result."""

from __future__ import annotations

from collections.abc import Collection, Mapping
from dataclasses import dataclass

from simulator.errors import InvalidRequest
from simulator.query.filter import Node, parse_filter

__all__ = ["MAX_SKIP", "MAX_TOP", "QueryOptions", "read_options"]

MAX_TOP = 1000  # Intune pages managedDevices by 1000 at most
MAX_SKIP = 1_000_000_000
_KNOWN = frozenset({"$filter", "$select", "$orderby", "$top", "$skip", "$count", "$skiptoken"})


@dataclass(frozen=True, slots=True)
class QueryOptions:
    filter_text: str | None = None
    filter: Node | None = None
    select: tuple[str, ...] | None = None
    orderby: tuple[tuple[str, bool], ...] = ()  # (property, descending)
    top: int = 100
    skip: int = 0
    count: bool = False
    skiptoken: str | None = None

    @property
    def shape(self) -> str:
        """What a cursor must have been made for: the same filter and order (select and top may change)."""
        order = ",".join(f"{name} {'desc' if desc else 'asc'}" for name, desc in self.orderby)
        return f"{self.filter_text or ''}|{order}"


def read_options(
    query: Mapping[str, str], *, selectable: Collection[str], sortable: Collection[str], default_top: int = 100
) -> QueryOptions:
    """``query`` as aiohttp gives it; parameters that do not start with ``$`` are the route's own."""
    unknown = sorted(name for name in query if name.startswith("$") and name not in _KNOWN)
    if unknown:
        raise InvalidRequest("invalidRequest", f"Query option {unknown[0]!r} is not supported; supported: "
                             f"{', '.join(sorted(_KNOWN))}", target=unknown[0])  # fmt: skip
    text = query.get("$filter")
    return QueryOptions(
        filter_text=text,
        filter=parse_filter(text) if text is not None and text.strip() else None,
        select=_select(query.get("$select"), selectable),
        orderby=_orderby(query.get("$orderby"), sortable),
        top=_integer(query, "$top", default_top, 1, MAX_TOP),
        skip=_integer(query, "$skip", 0, 0, MAX_SKIP),
        count=_boolean(query.get("$count")),
        skiptoken=query.get("$skiptoken"),
    )


def _select(text: str | None, selectable: Collection[str]) -> tuple[str, ...] | None:
    if text is None or text.strip() in ("", "*"):
        return None
    names = tuple(name.strip() for name in text.split(","))
    for name in names:
        if name not in selectable:
            raise InvalidRequest("invalidRequest", f"Could not find a property named {name!r} to $select",
                                 target="$select")  # fmt: skip
    return names


def _orderby(text: str | None, sortable: Collection[str]) -> tuple[tuple[str, bool], ...]:
    if text is None or not text.strip():
        return ()
    keys: list[tuple[str, bool]] = []
    for part in text.split(","):
        words = part.split()
        if not words or len(words) > 2 or (len(words) == 2 and words[1].lower() not in ("asc", "desc")):
            raise InvalidRequest("invalidRequest", f"Invalid $orderby clause {part.strip()!r}: use 'property' or "
                                 "'property asc|desc'", target="$orderby")  # fmt: skip
        if words[0] not in sortable:
            raise InvalidRequest("invalidRequest", f"$orderby on {words[0]!r} is not supported; sortable: "
                                 f"{', '.join(sorted(sortable))}", target="$orderby")  # fmt: skip
        keys.append((words[0], len(words) == 2 and words[1].lower() == "desc"))
    if len(keys) > 4:
        raise InvalidRequest("invalidRequest", "$orderby takes at most 4 properties", target="$orderby")
    return tuple(keys)


def _integer(query: Mapping[str, str], name: str, default: int, low: int, high: int) -> int:
    raw = query.get(name)
    if raw is None:
        return default
    if not raw.isascii() or not raw.isdigit() or len(raw) > 10 or not low <= int(raw) <= high:
        raise InvalidRequest("invalidRequest", f"{name} must be an integer between {low} and {high}", target=name)
    return int(raw)


def _boolean(raw: str | None) -> bool:
    if raw is None or raw.lower() == "false":
        return False
    if raw.lower() == "true":
        return True
    raise InvalidRequest("invalidRequest", "$count must be true or false", target="$count")
