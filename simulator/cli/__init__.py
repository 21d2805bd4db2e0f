"""``mtdsim`` command line: a thin argparse dispatcher over one module per subcommand.

Each subcommand module exposes ``add_parser(subparsers)`` and sets ``func`` to a ``run(args) -> int``.
Subcommand modules import only argparse at module level; aiohttp, Faker, jsonschema and rich are imported inside
``run`` so that ``mtdsim --help`` stays fast.
"""

from __future__ import annotations

import argparse
import importlib
import sys
from collections.abc import Sequence

__all__ = ["build_parser", "main"]

SUBCOMMANDS = ("serve", "run", "simulate", "report", "journal", "contracts")


def build_parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(
        prog="mtdsim",
        description="Intune Mobile Threat Defense partner simulator and contract test harness.",
    )
    parser.add_argument("--version", action="version", version=f"mtdsim {_version()}")
    subparsers = parser.add_subparsers(dest="command", metavar="COMMAND")
    for name in SUBCOMMANDS:
        try:
            module = importlib.import_module(f"simulator.cli.{name}")
        except ModuleNotFoundError as exc:
            if exc.name != f"simulator.cli.{name}":
                raise
            continue
        module.add_parser(subparsers)
    return parser


def main(argv: Sequence[str] | None = None) -> int:
    parser = build_parser()
    args = parser.parse_args(argv)
    if getattr(args, "func", None) is None:
        parser.print_help()
        return 2
    from simulator.errors import MtdSimError

    try:
        code: int = args.func(args)
    except MtdSimError as exc:
        print(f"mtdsim: error: {exc}", file=sys.stderr)
        return 2
    except KeyboardInterrupt:  # commands that can write what finished catch it themselves, then return 130
        print(f"mtdsim {args.command}: interrupted", file=sys.stderr)
        return 130
    return code


def _version() -> str:
    from simulator import __version__

    return __version__


if __name__ == "__main__":
    sys.exit(main())
