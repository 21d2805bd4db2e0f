"""``mtdsim report``: the conformance report of a running mock (violations, report outcomes, statuses) and the
partner certification (simulator/certification: domain-aware checks over the session)."""

from __future__ import annotations

import argparse
import os
from typing import TYPE_CHECKING, Any

if TYPE_CHECKING:
    from simulator.certification import Check

DEFAULT_TARGET = "http://127.0.0.1:8765"


def add_parser(subparsers: Any) -> None:
    parser = subparsers.add_parser(
        "report",
        help="conformance report and partner certification of a running mock",
        description="Read a running mock's record (contract violations, ignored Retry-After, report outcomes) and "
        "print a conformance report.",
        epilog="exit status: 0 no violation recorded (and, with --certify, no certification check failed), 1 "
        "otherwise, 2 target unreachable or key refused. "
        "environment: MTDSIM_TARGET and MTDSIM_CONTROL_KEY stand in for --target and --control-key.",
    )
    parser.add_argument("--target", metavar="URL", default=os.environ.get("MTDSIM_TARGET", DEFAULT_TARGET),
                        help=f"the mock to read (default {DEFAULT_TARGET})")  # fmt: skip
    parser.add_argument("--control-key", metavar="KEY", default=os.environ.get("MTDSIM_CONTROL_KEY"),
                        help="the control key `mtdsim serve` printed")  # fmt: skip
    parser.add_argument("--state", metavar="DIR", help="read a state directory offline (mtdsim serve --state DIR) "
                        "instead of a running mock")
    parser.add_argument("--ca", metavar="PEM", default=os.environ.get("MTDSIM_CA"),
                        help="CA file to trust for an https target (what `mtdsim serve --tls` printed; env MTDSIM_CA)")
    parser.add_argument("--json", metavar="F", help="also write the report as JSON here")
    parser.add_argument("--markdown", metavar="F", help="also write the report as Markdown here")
    parser.add_argument("--junit", metavar="F", help="also write the certification checks as JUnit XML here")
    parser.add_argument("--report-window", metavar="DURATION", default="P1D",
                        help="certification: each enrolled device must be reported within this (default P1D)")
    parser.add_argument("--max-report-age", metavar="DURATION", default="PT15M",
                        help="certification: oldest a report may be on arrival (default PT15M)")
    parser.add_argument("--tenant", metavar="ID", help="certify one tenant's session (default: every tenant)")
    parser.add_argument("--certify", action="store_true", help="a failed certification check also exits 1")
    parser.set_defaults(func=run)


def run(args: argparse.Namespace) -> int:
    import asyncio
    import json
    from pathlib import Path

    from rich.console import Console
    from rich.markdown import Markdown

    from simulator.certification import certify, fetch_evidence, to_json, to_markdown, write_junit
    from simulator.conformance import fetch_report
    from simulator.domain.clock import parse_duration
    from simulator.errors import ConfigError

    checks: list[Check] | None = None
    if args.state:
        from simulator.store.offline import read_report

        report = read_report(Path(args.state))
    elif not args.control_key:
        raise ConfigError("--control-key (or MTDSIM_CONTROL_KEY) is required: `mtdsim serve` prints it")
    else:
        parse_duration(args.report_window), parse_duration(args.max_report_age)  # a usage error before any request
        report = asyncio.run(fetch_report(args.target, args.control_key, ca_file=args.ca))
        evidence = asyncio.run(fetch_evidence(args.target, args.control_key, window=args.report_window,
                                              max_age=args.max_report_age, tenant=args.tenant,
                                              ca_file=args.ca))  # fmt: skip
        checks = certify(evidence)
    # Certification reads the live mock's evidence; a state directory read offline gives the conformance report only.
    markdown = report.to_markdown() + ("\n" + to_markdown(checks) if checks is not None else "")
    data = report.to_json() if checks is None else {**report.to_json(), "certification": to_json(checks)}
    if args.junit and checks is not None:
        write_junit(Path(args.junit), checks)
    for wanted, text in ((args.markdown, markdown), (args.json, json.dumps(data, indent=2) + "\n")):
        if wanted:
            Path(wanted).parent.mkdir(parents=True, exist_ok=True)
            Path(wanted).write_text(text, "utf-8")
    Console().print(Markdown(markdown))
    certified = not (args.certify and checks is not None and any(c.failed for c in checks))
    return 0 if report.conforms and certified else 1
