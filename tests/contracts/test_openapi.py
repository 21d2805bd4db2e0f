from __future__ import annotations

import re
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import yaml

from simulator.contracts import contracts_dir, default_contracts
from simulator.service import Settings, create_app
from simulator.service.http import UNMATCHED

ARCHITECTURE = Path(__file__).resolve().parents[2] / "docs" / "architecture.md"
METHODS = "GET|POST|PUT|PATCH|DELETE"
ROUTE = re.compile(rf"^(?:((?:{METHODS})(?:\|(?:{METHODS}))*) )?((?:/|\.\.\./)[^\s?]*)")


def _refs(node: Any) -> Iterator[str]:
    if isinstance(node, dict):
        for key, value in node.items():
            if key == "$ref" and isinstance(value, str):
                yield value
            else:
                yield from _refs(value)
    elif isinstance(node, list):
        for item in node:
            yield from _refs(item)


def _resolve(document: Any, fragment: str) -> Any:
    node = document
    for part in fragment.lstrip("/").split("/") if fragment else []:
        node = node[part.replace("~1", "/").replace("~0", "~")]
    return node


def _architecture_routes() -> set[tuple[str, str]]:
    """(method, path) for every `METHOD /path` code span of docs/architecture.md; `.../x` continues the last path."""
    routes: set[tuple[str, str]] = set()
    base, methods = "", ["GET"]
    text = re.sub(r"```.*?```", "", ARCHITECTURE.read_text(), flags=re.DOTALL)
    for span in re.findall(r"`([^`]+)`", text):
        match = ROUTE.match(span)
        if match is None or (match.group(1) is None and not match.group(2).startswith("...")):
            continue
        methods = match.group(1).split("|") if match.group(1) else methods
        path = match.group(2)
        path = _continue(base, path[3:]) if path.startswith("...") else path
        base = path
        for version in ("v1.0", "beta") if "{v}" in path else ("",):
            routes |= {(m, path.replace("{v}", version)) for m in methods}
    return routes


def _continue(base: str, rest: str) -> str:
    """`.../x` after `/a/b`: `/a/b/x`; `.../b/x` (repeating the last segment) is also `/a/b/x`."""
    last = "/" + base.rsplit("/", 1)[-1]
    return base + rest[len(last) :] if rest.startswith(last + "/") else base + rest


def test_openapi_file_refs_all_resolve_to_existing_schemas() -> None:
    document = yaml.safe_load((contracts_dir() / "openapi.yaml").read_text())
    refs = list(_refs(document))
    assert refs
    for ref in refs:
        target, _, fragment = ref.partition("#")
        if target:
            schema = default_contracts().schema(target.removesuffix(".schema.json"))
            assert (contracts_dir() / target).is_file(), ref
            _resolve(schema, fragment)
        else:
            _resolve(document, fragment)


def test_openapi_document_is_self_contained() -> None:
    document = default_contracts().openapi_document()
    assert document["openapi"].startswith("3.1")
    for ref in _refs(document):
        assert ref.startswith("#/components/"), ref
        _resolve(document, ref[1:])
    assert set(default_contracts().names) <= set(document["components"]["schemas"])


def test_openapi_lists_every_route_of_the_architecture_page() -> None:
    routes = _architecture_routes()
    assert ("POST", "/partner/v1/deviceThreatReports") in routes
    assert ("DELETE", "/beta/deviceManagement/mobileThreatDefenseConnectors/{id}") in routes
    paths = default_contracts().openapi_document()["paths"]
    missing = sorted((m, p) for m, p in routes if m.lower() not in paths.get(p, {}))
    assert missing == []


def _served_routes() -> set[tuple[str, str]]:
    """(METHOD, path) for each route the app factory wires; path parameters renamed ``{}`` since names differ."""
    routes = set()
    for route in create_app(Settings()).router.routes():
        if route.method == "HEAD" or route.resource is None or route.resource.name == UNMATCHED:  # not an API
            continue
        template = route.resource.canonical
        for version in ("v1.0", "beta") if "{version}" in template else ("",):
            routes.add((route.method, re.sub(r"\{[^}]+\}", "{}", template.replace("{version}", version))))
    return routes


def test_openapi_documents_exactly_the_routes_the_app_serves() -> None:
    paths = default_contracts().openapi_document()["paths"]
    documented = {(method.upper(), re.sub(r"\{[^}]+\}", "{}", path)) for path, operations in paths.items()
                  for method in operations if method.upper() in METHODS.split("|")}  # fmt: skip
    served = _served_routes()
    assert ("PATCH", "/v1.0/deviceManagement/deviceCompliancePolicies/{}") in served
    assert sorted(served - documented) == [] and sorted(documented - served) == []


def test_openapi_security_schemes_cover_bearer_and_control_key() -> None:
    schemes = default_contracts().openapi_document()["components"]["securitySchemes"]
    assert schemes["partnerBearer"]["scheme"] == schemes["adminBearer"]["scheme"] == "bearer"
    assert schemes["controlKey"] == {
        **schemes["controlKey"],
        "type": "apiKey",
        "in": "header",
        "name": "X-Mtdsim-Control-Key",
    }
