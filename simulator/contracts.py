"""The wire contracts: load ``contracts/*.schema.json`` once, validate fast, explain failures precisely.

Two validators per contract: jsonschema-rs for the hot yes/no question (``is_valid``, about 0.5 us per threat
report), built at load, and jsonschema for the explanation (``problems``), slower but giving every error with its
JSON pointer. Formats (uuid, date-time, uri) are checked by both. Cross-file ``$ref``s resolve through a registry
keyed by each file's ``$id``, so no network and no bundling are needed.

The work of an explanation is bounded, whatever the body (DESIGN 7: a hostile client must not stall the loop):
``problems`` lists at most ``MAX_PROBLEMS`` problems and then only counts the rest, within ``_COUNT_LIMIT`` problems
and ``_COUNT_SECONDS``. jsonschema walks only the array members jsonschema-rs finds at fault (``_checked_items``:
one fast ``is_valid`` per member), an array over its ``maxItems`` is explained by its size alone, and unexpected
properties are found lazily (``_additional_properties``), so 1,000,001 bad members or 500,000 unknown keys cost
what the first few dozen do.

jsonschema is imported and its validators built on the first ``problems`` call, not at load: importing it and
building the validators costs a few hundred milliseconds, which ``mtdsim serve``'s start-up budget cannot spare.
Load-time schema checking uses jsonschema-rs's copy of the 2020-12 meta-schema instead.
"""

from __future__ import annotations

import difflib
import functools
import os
import re
import time
from collections.abc import Callable, Iterable, Iterator, Mapping
from pathlib import Path
from typing import TYPE_CHECKING, Any

import jsonschema_rs
import orjson

from simulator.errors import ConfigError, ContractViolation, Problem

if TYPE_CHECKING:
    from jsonschema.exceptions import ValidationError
    from jsonschema.protocols import Validator

__all__ = ["MAX_PROBLEMS", "ContractSet", "contracts_dir", "default_contracts"]

_SUFFIX = ".schema.json"
_NOT_MESSAGES = frozenset({"common"})  # $defs only: nothing on the wire validates against it
MAX_PROBLEMS = 50  # problems listed per explanation; the rest are counted in one last Problem ("tooManyProblems")
_COUNT_LIMIT = 1000  # problems counted beyond the listed ones...
_COUNT_SECONDS = 0.01  # ...and for at most this long, so the count of a huge body stays cheap ("at least N more")
_KEY_LIMIT = 100  # characters of a property name quoted in a pointer or message, or offered to difflib


def contracts_dir() -> Path:
    """Where the contracts live: $MTDSIM_CONTRACTS, else the wheel's copy, else the checkout's contracts/."""
    override = os.environ.get("MTDSIM_CONTRACTS")
    if override:
        return Path(override)
    packaged = Path(__file__).resolve().parent / "_data" / "contracts"
    if packaged.is_dir():
        return packaged
    return Path(__file__).resolve().parent.parent / "contracts"


class ContractSet:
    """Every contract of one contracts directory, with validators built once."""

    def __init__(self, root: Path, schemas: Mapping[str, dict[str, Any]]) -> None:
        self.root = root
        self._schemas = dict(schemas)
        self.names: tuple[str, ...] = tuple(sorted(n for n in self._schemas if n not in _NOT_MESSAGES))
        rs_registry = jsonschema_rs.Registry([(s["$id"], s) for s in self._schemas.values()])
        self._rs_registry = rs_registry
        self._detail: dict[str, Validator] = {}
        # Fast validators of array ``items`` subschemas, by id() of the (long-lived) subschema; None if unbuildable.
        self._item_checks: dict[int, Callable[[object], bool] | None] = {}
        self._fast = {
            n: jsonschema_rs.validator_for(s, registry=rs_registry, validate_formats=True)
            for n, s in self._schemas.items()
        }
        self._openapi: dict[str, Any] | None = None

    @classmethod
    def load(cls, root: Path | None = None) -> ContractSet:
        """Read and check every ``*.schema.json`` under ``root`` (default: ``contracts_dir()``)."""
        root = contracts_dir() if root is None else Path(root)
        files = sorted(root.glob(f"*{_SUFFIX}"))
        if not files:
            raise ConfigError("no *.schema.json contracts found", path=root)
        return cls(root, {f.name.removesuffix(_SUFFIX): _read_schema(f) for f in files})

    def schema(self, name: str) -> dict[str, Any]:
        return self._schemas[self._known(name)]

    def is_valid(self, name: str, instance: object) -> bool:
        """Fast path (jsonschema-rs, formats on): True when ``instance`` meets contract ``name``."""
        validator = self._fast.get(name)
        if validator is None:
            validator = self._fast[self._known(name)]
        return bool(validator.is_valid(instance))

    def problems(self, name: str, instance: object, *, limit: int = MAX_PROBLEMS) -> list[Problem]:
        """Why ``instance`` breaks contract ``name``: at most ``limit`` problems sorted by JSON pointer, then, if
        there are more, one Problem (keyword ``tooManyProblems``) counting them. Empty when valid."""
        name = self._known(name)
        errors = self._detail_validator(name).iter_errors(instance)  # type: ignore[arg-type]  # any JSON value
        found: dict[Problem, None] = {}  # insertion-ordered set: the first ``limit`` found are the ones listed
        explained = (p for error in errors for p in _explain(error))
        for problem in explained:
            found[problem] = None
            if len(found) == limit:
                break
        listed = sorted(found, key=lambda p: (_pointer_key(p.pointer), p.keyword, p.message))
        rest, complete = _count(explained, found)
        if rest:
            more = f"{rest} more problems" if complete else f"at least {rest} more problems"
            listed.append(Problem("", f"{more} not listed: only the first {limit} are", "tooManyProblems"))
        return listed

    def validate(self, name: str, instance: object) -> None:
        """Raise ``ContractViolation`` listing every problem when ``instance`` breaks contract ``name``."""
        if not self.is_valid(name, instance):
            raise ContractViolation(name, self.problems(name, instance) or [Problem("", "invalid", "")])

    def openapi_document(self) -> dict[str, Any]:
        """contracts/openapi.yaml with every schema inlined under components/schemas (serve it as-is)."""
        if self._openapi is None:
            self._openapi = _inline_openapi(self.root / "openapi.yaml", self._schemas)
        return self._openapi

    def _detail_validator(self, name: str) -> Validator:
        if not self._detail:
            import jsonschema
            import referencing

            registry: referencing.Registry[Any] = referencing.Registry().with_resources(
                (s["$id"], referencing.Resource.from_contents(s)) for s in self._schemas.values()
            )
            base = jsonschema.Draft202012Validator
            keywords = {"items": functools.partial(_checked_items, self._item_check),
                        "additionalProperties": functools.partial(_additional_properties,
                                                                  base.VALIDATORS["additionalProperties"]),
                        **{k: functools.partial(_size, k) for k in _SIZES}}
            cls = jsonschema.validators.extend(base, keywords)  # type: ignore[no-untyped-call]
            checker = base.FORMAT_CHECKER
            self._detail = {n: cls(s, registry=registry, format_checker=checker) for n, s in self._schemas.items()}
        return self._detail[name]

    def _item_check(self, items: dict[str, Any]) -> Callable[[object], bool] | None:
        """jsonschema-rs's ``is_valid`` for an ``items`` subschema; None when it cannot stand alone (local $refs)."""
        key = id(items)
        if key not in self._item_checks:
            try:
                fast = jsonschema_rs.validator_for(items, registry=self._rs_registry, validate_formats=True)
            except (ValueError, jsonschema_rs.ReferencingError, jsonschema_rs.ValidationError):
                self._item_checks[key] = None
            else:
                self._item_checks[key] = fast.is_valid
        return self._item_checks[key]

    def _known(self, name: str) -> str:
        if name in self._schemas:
            return name
        close = difflib.get_close_matches(name, self.names, n=3, cutoff=0.5)
        hint = f"; did you mean {', '.join(close)}?" if close else ""
        raise ConfigError(f"unknown contract {name!r}{hint} (known: {', '.join(self.names)})")


@functools.cache
def default_contracts() -> ContractSet:
    """The contracts of ``contracts_dir()``, loaded once per process."""
    return ContractSet.load()


def _read_schema(path: Path) -> dict[str, Any]:
    try:
        schema = orjson.loads(path.read_bytes())
    except (OSError, orjson.JSONDecodeError) as exc:
        raise ConfigError(f"cannot read contract: {exc}", path=path) from exc
    try:
        jsonschema_rs.meta.validate(schema)
    except (jsonschema_rs.ValidationError, jsonschema_rs.ReferencingError) as exc:
        raise ConfigError(f"not a valid JSON Schema 2020-12: {exc}", path=path) from exc
    if not isinstance(schema, dict) or "$id" not in schema:
        raise ConfigError("a contract needs an $id", path=path)
    return schema


def _inline_openapi(path: Path, schemas: Mapping[str, dict[str, Any]]) -> dict[str, Any]:
    """Load openapi.yaml and point its file $refs at inlined copies under components/schemas."""
    import yaml  # only the service's /openapi.json needs it

    try:
        document: dict[str, Any] = yaml.safe_load(path.read_text(encoding="utf-8"))
    except (OSError, yaml.YAMLError) as exc:
        raise ConfigError(f"cannot read the OpenAPI document: {exc}", path=path) from exc
    components = document.setdefault("components", {}).setdefault("schemas", {})
    for name, schema in schemas.items():
        # $id/$schema would rebase the rewritten "#/components/..." refs inside each schema; drop them.
        inlined = {k: v for k, v in schema.items() if k not in {"$id", "$schema"}}
        components[name] = _rewrite_refs(inlined, name)
    rewritten: dict[str, Any] = _rewrite_refs(document, None)
    return rewritten


def _rewrite_refs(node: Any, owner: str | None) -> Any:
    if isinstance(node, dict):
        return {
            k: _local_ref(v, owner) if k == "$ref" and isinstance(v, str) else _rewrite_refs(v, owner)
            for k, v in node.items()
        }
    if isinstance(node, list):
        return [_rewrite_refs(item, owner) for item in node]
    return node


def _local_ref(ref: str, owner: str | None) -> str:
    """``x.schema.json#/$defs/y`` (any URI prefix) -> ``#/components/schemas/x/$defs/y``; ``#/$defs/y`` inside
    schema ``owner`` -> ``#/components/schemas/owner/$defs/y``."""
    target, _, fragment = ref.partition("#")
    if not target:
        return f"#/components/schemas/{owner}{fragment}" if owner is not None else ref
    if not target.endswith(_SUFFIX):
        return ref
    name = target.rsplit("/", 1)[-1].removesuffix(_SUFFIX)
    return f"#/components/schemas/{name}{fragment}"


# -- turning jsonschema errors into Problems ---------------------------------------------------------------------


def _count(problems: Iterator[Problem], seen: Mapping[Problem, None]) -> tuple[int, bool]:
    """How many more distinct problems ``problems`` yields (beyond ``seen``), and whether that count is complete or
    stopped at ``_COUNT_LIMIT`` or ``_COUNT_SECONDS``."""
    deadline = time.perf_counter() + _COUNT_SECONDS
    more: set[Problem] = set()
    for problem in problems:
        if problem not in seen:
            more.add(problem)
        if len(more) >= _COUNT_LIMIT or time.perf_counter() > deadline:
            return len(more), False
    return len(more), True


def _checked_items(
    item_check: Callable[[dict[str, Any]], Callable[[object], bool] | None],
    validator: Any,
    items: Any,
    instance: Any,
    schema: Mapping[str, Any],
) -> Iterator[ValidationError]:
    """Draft 2020-12 ``items``, lazily, descending only into members jsonschema-rs finds invalid. An array over its
    ``maxItems`` is not walked at all: its size is the problem, and its members may be a million zeros.
    ``validator`` is a jsonschema validator: ``descend`` is not part of its typed protocol."""
    if not isinstance(instance, list) or items is False or not isinstance(items, dict):
        return  # ``items: false`` does not occur in our contracts; jsonschema's "type" reports a non-array
    if len(instance) > schema.get("maxItems", len(instance)):
        return
    is_valid = item_check(items)
    for index in range(len(schema.get("prefixItems", ())), len(instance)):
        member = instance[index]
        if is_valid is None or not is_valid(member):
            yield from validator.descend(member, items, path=index)


_SIZED = {"Items": list, "Length": str, "Properties": dict}


def _size(
    keyword: str, validator: Any, limit: Any, instance: Any, schema: Mapping[str, Any]
) -> Iterator[ValidationError]:
    """``maxItems`` and the other size keywords without jsonschema's message, which is the repr of the instance:
    100 ms for an array of a million zeros. ``_message`` explains them by counts."""
    if isinstance(instance, _SIZED[keyword[3:]]) and (len(instance) > limit if keyword.startswith("max")
                                                       else len(instance) < limit):  # fmt: skip
        from jsonschema.exceptions import ValidationError

        yield ValidationError(f"{keyword} {limit}")


def _additional_properties(
    keyword: Any, validator: Any, additional: Any, instance: Any, schema: Mapping[str, Any]
) -> Iterator[ValidationError]:
    """``additionalProperties: false`` as one error, found at the first unexpected key: jsonschema's own sorts every
    unexpected key and quotes them all in its message (5 MB for 500,000 keys). ``_explain`` lists them, lazily."""
    if additional is not False:
        yield from keyword(validator, additional, instance, schema)
    elif isinstance(instance, dict) and next(_unexpected(instance, schema), None) is not None:
        from jsonschema.exceptions import ValidationError

        yield ValidationError("unexpected properties")


def _explain(error: ValidationError) -> Iterator[Problem]:
    """One or more Problems for one jsonschema error, each pointing at the offending member."""
    keyword, where = str(error.validator), _pointer(error.absolute_path)
    if keyword in {"oneOf", "anyOf"} and error.context:
        for branch_error in _closest_branch(error.context):
            yield from _explain(branch_error)
    elif keyword == "additionalProperties" and isinstance(error.instance, dict) and isinstance(error.schema, dict):
        allowed = list(error.schema.get("properties", {}))
        for key in _unexpected(error.instance, error.schema):
            # difflib on a megabyte-long key would cost seconds; a key that long is not a typo of ours.
            close = difflib.get_close_matches(key, allowed, n=1) if len(key) <= _KEY_LIMIT else []
            hint = f" (did you mean {close[0]!r}?)" if close else ""
            yield Problem(f"{where}/{_escape(_cut(key))}", f"unexpected property {_quote(key)}{hint}", keyword)
    elif keyword == "required":
        missing = _missing(error)
        yield Problem(f"{where}/{_escape(missing)}", f"required property {missing!r} is missing", keyword)
    elif keyword == "not" and isinstance(error.validator_value, dict) and "required" in error.validator_value:
        for key in error.validator_value["required"]:
            yield Problem(f"{where}/{_escape(key)}", f"property {key!r} is not allowed here", keyword)
    else:
        yield Problem(where, _message(keyword, error), keyword)


def _closest_branch(errors: Iterable[ValidationError]) -> list[ValidationError]:
    """The errors of the oneOf/anyOf branch the instance nearly matched: fewest errors, then the deepest ones.

    Our oneOfs are discriminated by a single key or a ``const``; a wrong branch fails on that and more, the
    intended branch only on what the user actually got wrong.
    """
    branches: dict[object, list[ValidationError]] = {}
    for error in errors:
        branches.setdefault(error.relative_schema_path[0], []).append(error)
    return min(branches.values(), key=lambda errs: (len(errs), -max(len(e.absolute_path) for e in errs)))


# Size limits are explained by counts: jsonschema's own messages quote the whole instance, which for a batch of
# 1001 reports made one message (and one stored violation) ~400 KB.
_SIZES = {
    "maxItems": "has {n} items, more than the {limit} allowed",
    "minItems": "has {n} items, fewer than the {limit} required",
    "maxLength": "is {n} characters long, more than the {limit} allowed",
    "minLength": "is {n} characters long, fewer than the {limit} required",
    "maxProperties": "has {n} properties, more than the {limit} allowed",
    "minProperties": "has {n} properties, fewer than the {limit} required",
}
_QUOTE_LIMIT = 80  # characters of a quoted value in a message
_MESSAGE_LIMIT = 300
_QUOTING = frozenset({"enum", "const", "format", "not", "pattern", "type"})  # messages that quote the value


def _message(keyword: str, error: ValidationError) -> str:
    value: Any = error.validator_value
    if keyword in _SIZES and isinstance(error.instance, str | list | dict):
        return _SIZES[keyword].format(n=len(error.instance), limit=value)
    if keyword not in _QUOTING:
        return _shortened(error.message, _MESSAGE_LIMIT)
    instance = _quote(error.instance)  # only here: a second repr of a 1001-report batch would be ~400 KB
    if keyword == "enum":
        return f"{instance} is not one of: {', '.join(map(_show, value))}"
    if keyword == "const":
        return f"{instance} must be {_show(value)}"
    if keyword == "format":
        return f"{instance} is not a valid {value}"
    if keyword == "not":
        return f"{instance} is not allowed here"
    if keyword == "pattern":
        return f"{instance} does not match {value}"
    return f"{instance} is not of type {_show(value)}"  # "type", the last of _QUOTING


def _quote(value: object) -> str:
    """``repr(value)``, cut short: a message names the offending value, it does not echo a whole body."""
    return _shortened(repr(value), _QUOTE_LIMIT)


def _shortened(text: str, limit: int) -> str:
    return text if len(text) <= limit else f"{text[: limit - 1]}…"


def _unexpected(instance: Mapping[str, Any], schema: Mapping[str, Any]) -> Iterator[str]:
    """The keys no ``properties`` or ``patternProperties`` allows, lazily (there may be 500,000 of them)."""
    known = schema.get("properties", {})
    patterns = [re.compile(p) for p in schema.get("patternProperties", {})]
    return (k for k in instance if k not in known and not any(p.search(k) for p in patterns))


def _cut(key: str) -> str:
    """A property name for a pointer: a megabyte-long key is named by its start and its length."""
    return key if len(key) <= _KEY_LIMIT else f"{key[:_KEY_LIMIT]}…({len(key)} characters)"


def _missing(error: ValidationError) -> str:
    # jsonschema's message is "'name' is a required property"; the name is the repr of the missing key.
    head = error.message.partition(" is a required property")[0]
    return head[1:-1] if head[:1] in {"'", '"'} else head


def _show(value: object) -> str:
    return "null" if value is None else str(value)


def _escape(key: str) -> str:
    return key.replace("~", "~0").replace("/", "~1")


def _pointer(path: Iterable[object]) -> str:
    return "".join(f"/{_escape(str(part))}" for part in path)


def _pointer_key(pointer: str) -> tuple[tuple[int, int | str], ...]:
    """Sort /reports/10 after /reports/9: numeric segments compare as numbers (ASCII digits only: "8³" is a key)."""
    return tuple((0, int(s)) if s.isascii() and s.isdigit() else (1, s) for s in pointer.split("/")[1:])
