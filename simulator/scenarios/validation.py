"""Check a loaded YAML document against contracts/scenario.schema.json and say what is wrong, where, in one
sentence, with the closest valid key or value when there is one."""

from __future__ import annotations

import difflib
import functools
import json
from collections.abc import Iterable, Sequence
from pathlib import Path
from typing import Any

import jsonschema
from jsonschema.exceptions import ValidationError, best_match

from simulator.contracts import contracts_dir
from simulator.errors import ScenarioSyntaxError
from simulator.scenarios.yamlsource import LineMap, line_of

__all__ = ["check_document", "closest", "scenario_schema"]

_LISTED_CHOICES = 12  # longer enums (contract names) are named by the suggestion alone


@functools.cache
def scenario_schema() -> dict[str, Any]:
    schema: dict[str, Any] = json.loads((contracts_dir() / "scenario.schema.json").read_text("utf-8"))
    return schema


@functools.cache
def _validator() -> jsonschema.Draft202012Validator:
    schema = scenario_schema()
    jsonschema.Draft202012Validator.check_schema(schema)
    checker = jsonschema.Draft202012Validator.FORMAT_CHECKER
    return jsonschema.Draft202012Validator(schema, format_checker=checker)


def closest(word: str, choices: Iterable[str], cutoff: float = 0.6) -> str | None:
    matches = difflib.get_close_matches(word, list(choices), n=1, cutoff=cutoff)
    return matches[0] if matches else None


def where(pointer: Sequence[str | int]) -> str:
    """``steps[2].expect.json`` for the path of a node; ``scenario`` for the document itself."""
    text = ""
    for part in pointer:
        text += f"[{part}]" if isinstance(part, int) else (f".{part}" if text else str(part))
    return text or "scenario"


def check_document(document: Any, path: Path | str, line: int) -> None:
    """Raise ScenarioSyntaxError for the most relevant schema error of ``document``."""
    if not isinstance(document, LineMap):
        raise ScenarioSyntaxError("a scenario must be a mapping with name, source and steps", path=path, line=line)
    errors = list(_validator().iter_errors(document))
    if not errors:
        return
    # Why: an unknown key usually explains a "required" error beside it (``step:`` written for ``steps:``).
    unknown = [e for e in errors if e.validator == "additionalProperties"]
    error = min(unknown, key=lambda e: len(e.absolute_path)) if unknown else best_match(errors)
    assert error is not None
    pointer = list(error.absolute_path)
    message, suggestion, key = _explain(error)
    at = line_of(document, [*pointer, key] if key is not None else pointer, line)
    raise ScenarioSyntaxError(f"{where(pointer)}: {message}", path=path, line=at, suggestion=suggestion)


def _explain(error: ValidationError) -> tuple[str, str | None, str | None]:
    """(message, suggestion, offending key) for one schema error."""
    schema = error.schema if isinstance(error.schema, dict) else {}
    instance = error.instance
    if error.validator == "additionalProperties" and isinstance(instance, dict):
        known = schema.get("properties", {})
        unknown = next((k for k in instance if k not in known), None)
        if unknown is not None and known:
            return f"unknown key {unknown!r}", closest(unknown, known), unknown
    if error.validator == "enum":
        choices = [str(c) for c in schema.get("enum", [])]
        listed = ", ".join(choices) if len(choices) <= _LISTED_CHOICES else f"the {len(choices)} the schema lists"
        return f"{instance!r} is not one of {listed}", closest(str(instance), choices), None
    if error.validator == "type" and isinstance(instance, int | float) and "string" in str(schema.get("type")):
        return f"{instance!r} is a number here; write it in quotes", None, None
    if error.validator == "required":
        return error.message.replace("is a required property", "is required"), None, None
    return error.message, None, None
