"""The one exception family of mtdsim.

Every error mtdsim raises on purpose derives from ``MtdSimError`` and carries structured fields, not only text::

    MtdSimError
    ├── ConfigError            a config file, CLI option or control-API input is unusable (path, line)
    ├── ContractViolation      a message broke its JSON Schema contract (contract, problems)
    ├── DomainError            an Intune rule refused an operation (code, message, target)
    │   ├── InvalidRequest     400: the request is well-formed JSON but not acceptable
    │   ├── Unauthorized       401: missing, malformed, expired or foreign token
    │   │   └── AssertionRejected  a client assertion Entra would refuse (aadsts; simulator.entra.credentials)
    │   ├── Forbidden          403: authenticated, but this caller may not do this
    │   ├── NotFound           404: no such entity in the caller's tenant
    │   └── Conflict           409: the entity exists already
    ├── ScenarioError          a scenario file or run went wrong
    │   ├── ScenarioSyntaxError    a malformed scenario file (path, line, suggestion)
    │   │   └── ScenarioSyntaxErrors   several of them, from one or more files (errors)
    │   └── StepFailed             a step's expectations did not hold (path, line, step, mismatches)
    └── SimulationError        a simulated console or fleet could not do its job (e.g. target unreachable)

The service turns ``DomainError`` subclasses into Graph error envelopes; the status lives on the class.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import Any, ClassVar

__all__ = [
    "ConfigError",
    "Conflict",
    "ContractViolation",
    "DomainError",
    "Forbidden",
    "InvalidRequest",
    "Mismatch",
    "MtdSimError",
    "NotFound",
    "Problem",
    "ScenarioError",
    "ScenarioSyntaxError",
    "ScenarioSyntaxErrors",
    "SimulationError",
    "StepFailed",
    "Unauthorized",
]


class MtdSimError(Exception):
    """Base of every error mtdsim raises on purpose."""


class ConfigError(MtdSimError):
    """A config file, CLI option or control-API input is unusable."""

    def __init__(self, message: str, *, path: Path | str | None = None, line: int | None = None) -> None:
        self.message = message
        self.path = path
        self.line = line
        where = f"{path}:{line}: " if path is not None and line is not None else f"{path}: " if path else ""
        super().__init__(f"{where}{message}")


@dataclass(frozen=True, slots=True)
class Problem:
    """One reason a message breaks its contract, located by JSON pointer."""

    pointer: str
    message: str
    keyword: str = ""

    def __str__(self) -> str:
        return f"{self.pointer or '/'}: {self.message}"


class ContractViolation(MtdSimError):
    """A message broke its JSON Schema contract; ``problems`` lists every reason, sorted by pointer."""

    def __init__(self, contract: str, problems: Sequence[Problem]) -> None:
        self.contract = contract
        self.problems = tuple(problems)
        lines = "\n".join(f"  {p}" for p in self.problems)
        super().__init__(f"{contract}: {len(self.problems)} violation(s)\n{lines}")


class DomainError(MtdSimError):
    """An Intune rule refused an operation. ``code`` is the Graph error code, ``target`` a JSON pointer."""

    status: ClassVar[int] = 400
    headers: Mapping[str, str] | None = None  # extra response headers, such as a 503's Retry-After

    def __init__(self, code: str, message: str, *, target: str | None = None) -> None:
        self.code = code
        self.message = message
        self.target = target
        super().__init__(f"{code}: {message}")


class InvalidRequest(DomainError):
    """400: the request is well-formed but not acceptable."""

    status = 400


class Unauthorized(DomainError):
    """401: missing, malformed, expired or foreign token."""

    status = 401


class Forbidden(DomainError):
    """403: authenticated, but this caller may not do this."""

    status = 403


class NotFound(DomainError):
    """404: no such entity in the caller's tenant."""

    status = 404


class Conflict(DomainError):
    """409: the entity exists already."""

    status = 409


class ScenarioError(MtdSimError):
    """A scenario file or run went wrong."""


class ScenarioSyntaxError(ScenarioError):
    """A malformed scenario file; rendered as ``file:line: message``."""

    def __init__(self, message: str, *, path: Path | str, line: int, suggestion: str | None = None) -> None:
        self.message = message
        self.path = path
        self.line = line
        self.suggestion = suggestion
        hint = f" (did you mean {suggestion!r}?)" if suggestion else ""
        super().__init__(f"{path}:{line}: {message}{hint}")


class ScenarioSyntaxErrors(ScenarioSyntaxError):
    """Every problem found in one or more scenario files, so a suite is fixed in one pass rather than one run per
    mistake. It is also the first of them (path, line, message), for callers that show one; ``str()`` lists all."""

    def __init__(self, errors: Sequence[ScenarioSyntaxError]) -> None:
        self.errors = tuple(one for error in errors for one in getattr(error, "errors", (error,)))
        first = self.errors[0]
        super().__init__(first.message, path=first.path, line=first.line, suggestion=first.suggestion)
        listed = "".join(f"\n  {error}" for error in self.errors)
        self.args = (f"{len(self.errors)} problems in scenario files:{listed}",)

    @staticmethod
    def of(errors: Sequence[ScenarioSyntaxError]) -> ScenarioSyntaxError:
        """The one error itself, or all of them together (``errors`` is not empty)."""
        return errors[0] if len(errors) == 1 else ScenarioSyntaxErrors(errors)


@dataclass(frozen=True, slots=True)
class Mismatch:
    """One expectation that did not hold, located by JSON pointer into the response."""

    pointer: str
    expected: Any
    actual: Any
    message: str = ""


class StepFailed(ScenarioError):
    """A scenario step's expectations did not hold."""

    def __init__(
        self,
        message: str,
        *,
        path: Path | str,
        line: int,
        step: str,
        request: Any = None,
        response: Any = None,
        mismatches: Sequence[Mismatch] = (),
    ) -> None:
        self.message = message
        self.path = path
        self.line = line
        self.step = step
        self.request = request
        self.response = response
        self.mismatches = tuple(mismatches)
        super().__init__(f"{path}:{line}: {step}: {message}")


class SimulationError(MtdSimError):
    """A simulated console or fleet could not do its job."""
