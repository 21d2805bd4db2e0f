"""``mtdsim contracts``: list the wire contracts, or validate a JSON file against one of them."""

from __future__ import annotations

import argparse
import sys
from pathlib import Path
from typing import Any

__all__ = ["add_parser", "run"]


def add_parser(subparsers: Any) -> None:
    parser = subparsers.add_parser("contracts", help="list the JSON Schema contracts or validate a file")
    actions = parser.add_subparsers(dest="action", metavar="ACTION", required=True)
    validate = actions.add_parser("validate", help="validate FILE against contract NAME; exit 1 on violations")
    validate.add_argument("name", metavar="NAME", help="contract name, e.g. threat-report-batch")
    validate.add_argument("file", metavar="FILE", type=Path, help="JSON file ('-' for stdin)")
    validate.set_defaults(func=run)
    listing = actions.add_parser("list", help="print every contract name with its title")
    listing.set_defaults(func=run)


def run(args: argparse.Namespace) -> int:
    from simulator.contracts import default_contracts

    contracts = default_contracts()
    if args.action == "list":
        for name in contracts.names:
            print(f"{name:<28} {contracts.schema(name).get('title', '')}")
        return 0
    return _validate(contracts, args.name, args.file)


def _validate(contracts: Any, name: str, file: Path) -> int:
    import orjson

    from simulator.errors import ConfigError

    try:
        contracts.schema(name)
    except ConfigError as exc:
        print(f"mtdsim: error: {exc.message}", file=sys.stderr)
        return 2
    try:
        raw = sys.stdin.buffer.read() if str(file) == "-" else file.read_bytes()
        instance = orjson.loads(raw)
    except OSError as exc:
        print(f"mtdsim: error: cannot read {file}: {exc.strerror or exc}", file=sys.stderr)
        return 2
    except orjson.JSONDecodeError as exc:
        print(f"mtdsim: error: {file} is not JSON: {exc}", file=sys.stderr)
        return 2
    # The fast path answers "valid" without importing jsonschema (about a second on a cold start).
    problems = [] if contracts.is_valid(name, instance) else contracts.problems(name, instance)
    if not problems:
        print("valid")
        return 0
    for problem in problems:
        print(f"{problem.pointer or '/'}: {problem.message} [{problem.keyword}]")
    print(f"{len(problems)} violation(s) of {name}", file=sys.stderr)
    return 1
