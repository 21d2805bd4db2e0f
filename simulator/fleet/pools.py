"""Faker values generated once per seed, then picked by integer hash.

Faker costs ~160 us per record on the project machine (reference/performance.md section 6), so a fleet never
calls it per device: ``pools_for(seed)`` draws a few hundred names and domains with a seeded Faker instance
(never the global seed) and every device indexes into them.
"""

from __future__ import annotations

import functools
import re
import unicodedata
from dataclasses import dataclass

__all__ = ["FIRST_NAMES", "LAST_NAMES", "NAME_SPACE", "NamePools", "pools_for", "user_principal_name"]

FIRST_NAMES = 512
LAST_NAMES = 512
NAME_SPACE = FIRST_NAMES * LAST_NAMES


@dataclass(frozen=True, slots=True)
class NamePools:
    """The per-seed pools: lowercase ASCII first and last names and the tenant's UPN domain."""

    seed: int
    first: tuple[str, ...]
    last: tuple[str, ...]
    domain: str


def _ascii(text: str) -> str:
    folded = unicodedata.normalize("NFKD", text).encode("ascii", "ignore").decode()
    return re.sub(r"[^a-z]", "", folded.lower())


def _unique(draw: object, count: int) -> tuple[str, ...]:
    seen: dict[str, None] = {}
    for _ in range(count * 20):  # bounded: Faker's en_US lists hold thousands of names
        name = _ascii(draw())  # type: ignore[operator]
        if name:
            seen.setdefault(name, None)
        if len(seen) == count:
            break
    return tuple(seen)


@functools.lru_cache(maxsize=16)
def pools_for(seed: int) -> NamePools:
    """Build (once per seed, cached) the name pools of a fleet."""
    from faker import Faker  # heavy import kept off the CLI's import path

    fake = Faker("en_US")
    fake.seed_instance(seed)
    first = _unique(fake.first_name, FIRST_NAMES)
    last = _unique(fake.last_name, LAST_NAMES)
    domain = f"{_ascii(fake.domain_word()) or 'contoso'}.example"
    return NamePools(seed=seed, first=first, last=last, domain=domain)


def user_principal_name(pools: NamePools, user: int) -> str:
    """The UPN of user number ``user``: distinct for the first 262,144 users, then suffixed with a number."""
    first = pools.first[user % len(pools.first)]
    last = pools.last[(user // len(pools.first)) % len(pools.last)]
    suffix = user // NAME_SPACE
    return f"{first}.{last}{suffix or ''}@{pools.domain}"
