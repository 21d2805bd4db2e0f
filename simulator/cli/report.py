"""``mtdsim report``: the conformance report of a running mock (violations, report outcomes, statuses)."""

from __future__ import annotations

import argparse
import os
from typing import Any

DEFAULT_TARGET = "http://127.0.0.1:8765"


def add_parser(subparsers: Any) -> None:
    parser = subparsers.add_parser(
        "report",
        help="conformance report of a running mock: every violation it recorded",
        description="Read a running mock's record (contract violations, ignored Retry-After, report outcomes) and "
        "print a conformance report.",
        epilog="exit status: 0 no violation recorded, 1 violations recorded, 2 target unreachable or key refused. "
        "environment: MTDSIM_TARGET and MTDSIM_CONTROL_KEY stand in for --target and --control-key.",
    )
    parser.add_argument("--target", metavar="URL", default=os.environ.get("MTDSIM_TARGET", DEFAULT_TARGET),
                        help=f"the mock to read (default {DEFAULT_TARGET})")  # fmt: skip
    parser.add_argument("--control-key", metavar="KEY", default=os.environ.get("MTDSIM_CONTROL_KEY"),
                        help="the control key `mtdsim serve` printed")  # fmt: skip
    parser.add_argument("--ca", metavar="PEM", default=os.environ.get("MTDSIM_CA"),
                        help="CA file to trust for an https target (what `mtdsim serve --tls` printed; env MTDSIM_CA)")
    parser.add_argument("--json", metavar="F", help="also write the report as JSON here")
    parser.add_argument("--markdown", metavar="F", help="also write the report as Markdown here")
    parser.set_defaults(func=run)


def run(args: argparse.Namespace) -> int:
    import asyncio
    import json
    from pathlib import Path

    from rich.console import Console
    from rich.markdown import Markdown

    from simulator.conformance import fetch_report
    from simulator.errors import ConfigError

    if not args.control_key:
        raise ConfigError("--control-key (or MTDSIM_CONTROL_KEY) is required: `mtdsim serve` prints it")
    report = asyncio.run(fetch_report(args.target, args.control_key, ca_file=args.ca))
    markdown = report.to_markdown()
    for wanted, text in ((args.markdown, markdown), (args.json, json.dumps(report.to_json(), indent=2) + "\n")):
        if wanted:
            Path(wanted).parent.mkdir(parents=True, exist_ok=True)
            Path(wanted).write_text(text, "utf-8")
    Console().print(Markdown(markdown))
    return 0 if report.conforms else 1
