"""The terminal side of ``mtdsim run``: load and select, run with a progress bar, print failures and a summary
table, write the requested reports, and turn the result into an exit status."""

from __future__ import annotations

import argparse
import asyncio
import random
import time
from collections.abc import Sequence
from pathlib import Path

from rich.console import Console
from rich.markup import escape
from rich.progress import BarColumn, MofNCompleteColumn, Progress, TextColumn, TimeElapsedColumn
from rich.table import Table

from simulator.errors import ConfigError, ScenarioSyntaxError
from simulator.scenarios.loader import load_files
from simulator.scenarios.model import Scenario
from simulator.scenarios.paths import scenario_files, shipped_suite
from simulator.scenarios.render import render_failure
from simulator.scenarios.reports import write_json, write_junit, write_markdown
from simulator.scenarios.reproduce import pick, split_address
from simulator.scenarios.selection import select
from simulator.scenarios.session import Outcome, RunOptions, run_all

__all__ = ["run_command"]


def run_command(args: argparse.Namespace, console: Console | None = None) -> int:
    console = console or Console(highlight=False, soft_wrap=True)
    try:
        scenarios = _chosen(args)
        seed = args.seed if args.seed is not None else random.SystemRandom().randrange(1, 2**31)
        options = RunOptions.from_env(seed, args.target, args.control_key, getattr(args, "ca", None))
    except (ScenarioSyntaxError, ConfigError) as exc:
        errors = Console(stderr=True, highlight=False, soft_wrap=True)
        errors.print(f"mtdsim run: error: {escape(str(exc))}", style="red")
        return 2
    target = options.target or "embedded mock"
    console.print(f"mtdsim run: {len(scenarios)} scenario(s), seed {seed}, target {target}")
    started = time.perf_counter()
    finished: list[Outcome] = []
    try:
        outcomes = _run(scenarios, options, console, quiet=args.quiet, finished=finished)
    except KeyboardInterrupt:  # Ctrl-C: say so, and keep the reports of the scenarios that finished
        _write_reports(args, finished, seed, target)
        Console(stderr=True, highlight=False).print(
            f"mtdsim run: interrupted after {len(finished)} of {len(scenarios)} scenario(s); reports hold those")
        return 130
    wall = time.perf_counter() - started
    _print_results(console, outcomes, wall, quiet=args.quiet)
    _write_reports(args, outcomes, seed, target)
    return 0 if all(o.passed for o in outcomes) else 1


def _chosen(args: argparse.Namespace) -> list[Scenario]:
    addresses = [split_address(p) for p in args.paths] or [(shipped_suite(), None)]
    for root, _ in addresses:
        if not root.exists():
            raise ConfigError(f"no such file or folder: {root}")
    files = scenario_files([root for root, _ in addresses])
    scenarios = load_files(files)
    named = {root: name for root, name in addresses if name is not None}
    if named:
        scenarios = _addressed(scenarios, named)
    chosen = select(scenarios, args.keyword, args.tags)
    if not chosen:
        raise ConfigError(f"no scenario selected (of {len(scenarios)} in {len(files)} file(s))")
    return chosen


def _addressed(scenarios: Sequence[Scenario], named: dict[Path, str]) -> list[Scenario]:
    """``FILE::NAME`` keeps that scenario of that file; files given without a name keep all of theirs."""
    picked: set[int] = set()
    for path, name in named.items():
        picked.update(id(s) for s in pick([s for s in scenarios if s.path == path], name, path))
    return [s for s in scenarios if s.path not in named or id(s) in picked]


def _run(scenarios: Sequence[Scenario], options: RunOptions, console: Console, *, quiet: bool,
         finished: list[Outcome]) -> list[Outcome]:  # fmt: skip
    columns = (TextColumn("{task.description}"), BarColumn(), MofNCompleteColumn(), TimeElapsedColumn())
    with Progress(*columns, console=console, transient=True, disable=quiet) as progress:
        task = progress.add_task("scenarios", total=len(scenarios))

        def advance(outcome: Outcome) -> None:
            finished.append(outcome)
            progress.advance(task)
            if not outcome.passed:
                progress.console.print(f"[red]FAIL[/red] {escape(outcome.scenario.name)}")

        return asyncio.run(run_all(scenarios, options, advance))


def _print_results(console: Console, outcomes: Sequence[Outcome], wall: float, *, quiet: bool) -> None:
    if not quiet:
        table = Table(title="mtdsim scenarios", show_lines=False)
        for column in ("result", "scenario", "where", "ms"):
            table.add_column(column, justify="right" if column == "ms" else "left")
        for o in outcomes:
            result = "[green]pass[/green]" if o.passed else "[red]FAIL[/red]"
            where = f"{o.scenario.path.name}:{o.scenario.line}"
            table.add_row(result, escape(o.scenario.name), where, f"{o.seconds * 1000:.0f}")
        console.print(table)
    for o in outcomes:
        if o.failure is not None:
            console.rule(escape(o.scenario.name), style="red")
            console.print(escape(render_failure(o.failure, o.scenario, o.reproduce)), soft_wrap=True)
    failed = sum(1 for o in outcomes if not o.passed)
    style = "red" if failed else "green"
    console.print(f"[{style}]{len(outcomes) - failed} passed, {failed} failed in {wall:.2f}s[/{style}]")


def _write_reports(args: argparse.Namespace, outcomes: Sequence[Outcome], seed: int, target: str) -> None:
    for wanted in (args.junit, args.json, args.markdown):
        if wanted:
            Path(wanted).parent.mkdir(parents=True, exist_ok=True)
    if args.junit:
        write_junit(Path(args.junit), outcomes, seed)
    if args.json:
        write_json(Path(args.json), outcomes, seed, target)
    if args.markdown:
        write_markdown(Path(args.markdown), outcomes, seed, target)
