"""``mtdsim run``: run scenario suites (the shipped one by default) against an embedded mock or ``--target``."""

from __future__ import annotations

import argparse
from typing import Any

__all__ = ["add_parser", "run"]

EPILOG = """exit status: 0 all scenarios passed, 1 a scenario failed, 2 usage or scenario-format error.
environment: MTDSIM_TARGET, MTDSIM_CONTROL_KEY and MTDSIM_CA stand in for --target, --control-key and --ca."""


def add_parser(subparsers: Any) -> None:
    parser: argparse.ArgumentParser = subparsers.add_parser(
        "run",
        help="run scenario suites (*.scenario.yaml)",
        description="Run scenario suites against an embedded mock Intune endpoint, or against --target.",
        epilog=EPILOG,
        formatter_class=argparse.RawDescriptionHelpFormatter,
    )
    parser.add_argument(
        "paths", nargs="*", metavar="PATHS",
        help="scenario files or folders (default: shipped suite); FILE::NAME runs one scenario of FILE",
    )  # fmt: skip
    parser.add_argument("-k", dest="keyword", metavar="EXPR", help="select by name: words with and/or/not")
    parser.add_argument("--tags", action="append", default=[], metavar="T", help="keep scenarios with any tag (a,b)")
    parser.add_argument("--seed", type=int, default=None, metavar="S", help="seed for generated ids (printed)")
    parser.add_argument("--target", metavar="URL", help="run against this server instead of an embedded mock")
    parser.add_argument("--control-key", metavar="KEY", help="control key of --target")
    parser.add_argument("--ca", metavar="PEM",
                        help="CA file to trust for an https target (what `mtdsim serve --tls` printed; env MTDSIM_CA)")
    parser.add_argument("--junit", metavar="F", help="write JUnit XML here")
    parser.add_argument("--json", metavar="F", help="write a JSON report here")
    parser.add_argument("--markdown", metavar="F", help="write a Markdown report here")
    parser.add_argument("--quiet", "-q", action="store_true", help="no progress bar or table; failures and summary")
    parser.set_defaults(func=run)


def run(args: argparse.Namespace) -> int:
    from simulator.scenarios.console import run_command

    return run_command(args)
