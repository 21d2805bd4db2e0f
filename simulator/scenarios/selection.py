"""Choose scenarios the way pytest's ``-k`` and ``-m`` do: words match names (any case, substring), combined with
``and``, ``or``, ``not`` and parentheses; ``--tags`` keeps scenarios with any of the given tags."""

from __future__ import annotations

import re
from collections.abc import Callable, Iterable, Sequence

from simulator.errors import ConfigError
from simulator.scenarios.model import Scenario

__all__ = ["keyword_matcher", "select"]

_TOKEN = re.compile(r"\s*(\(|\)|[^\s()]+)")
Predicate = Callable[[str], bool]


def keyword_matcher(expression: str) -> Predicate:
    """A predicate over a scenario's name (plus file name) for a ``-k`` expression."""
    tokens = _TOKEN.findall(expression)
    predicate, rest = _or(tokens)
    if rest or not tokens:
        raise ConfigError(f"-k {expression!r}: cannot parse the expression")
    return predicate


def _or(tokens: Sequence[str]) -> tuple[Predicate, Sequence[str]]:
    left, rest = _and(tokens)
    while rest and rest[0] == "or":
        right, rest = _and(rest[1:])
        left = (lambda a, b: lambda s: a(s) or b(s))(left, right)
    return left, rest


def _and(tokens: Sequence[str]) -> tuple[Predicate, Sequence[str]]:
    left, rest = _not(tokens)
    while rest and rest[0] == "and":
        right, rest = _not(rest[1:])
        left = (lambda a, b: lambda s: a(s) and b(s))(left, right)
    return left, rest


def _not(tokens: Sequence[str]) -> tuple[Predicate, Sequence[str]]:
    if not tokens:
        raise ConfigError("-k: the expression ends too early")
    if tokens[0] == "not":
        inner, rest = _not(tokens[1:])
        return (lambda s: not inner(s)), rest
    if tokens[0] == "(":
        inner, rest = _or(tokens[1:])
        if not rest or rest[0] != ")":
            raise ConfigError("-k: a '(' is not closed")
        return inner, rest[1:]
    word = tokens[0].lower()
    if word in ("and", "or", ")"):
        raise ConfigError(f"-k: unexpected {tokens[0]!r}")
    return (lambda s: word in s), tokens[1:]


def select(scenarios: Iterable[Scenario], keyword: str | None, tags: Sequence[str]) -> list[Scenario]:
    matcher = keyword_matcher(keyword) if keyword else None
    wanted = {t for group in tags for t in group.split(",") if t}
    chosen = []
    for scenario in scenarios:
        text = f"{scenario.path.name} {scenario.name} {' '.join(scenario.tags)}".lower()
        if matcher is not None and not matcher(text):
            continue
        if wanted and not wanted.intersection(scenario.tags):
            continue
        chosen.append(scenario)
    return chosen
