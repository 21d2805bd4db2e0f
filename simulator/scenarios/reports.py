"""Write a run's outcomes as JUnit XML (for CI), JSON (for tools) or Markdown (for people)."""

from __future__ import annotations

import json
import xml.etree.ElementTree as ET
from collections.abc import Sequence
from pathlib import Path
from typing import Any

from simulator.scenarios.render import render_failure
from simulator.scenarios.session import Outcome

__all__ = ["to_json", "write_json", "write_junit", "write_markdown"]


def to_json(outcomes: Sequence[Outcome], seed: int, target: str) -> dict[str, Any]:
    failed = sum(1 for o in outcomes if not o.passed)
    return {
        "seed": seed,
        "target": target,
        "total": len(outcomes),
        "passed": len(outcomes) - failed,
        "failed": failed,
        "seconds": round(sum(o.seconds for o in outcomes), 4),
        "scenarios": [_scenario(o) for o in outcomes],
    }


def _scenario(outcome: Outcome) -> dict[str, Any]:
    s = outcome.scenario
    entry: dict[str, Any] = {
        "name": s.name, "file": str(s.path), "line": s.line, "tags": list(s.tags), "source": s.source,
        "passed": outcome.passed, "seconds": round(outcome.seconds, 4),
    }  # fmt: skip
    if outcome.failure is not None:
        f = outcome.failure
        entry["failure"] = {
            "line": f.line,
            "step": f.step,
            "message": f.message,
            "mismatches": [
                {"pointer": m.pointer, "expected": m.expected, "actual": m.actual, "message": m.message}
                for m in f.mismatches
            ],
            "reproduce": outcome.reproduce,
            "text": render_failure(f, s, outcome.reproduce),
        }
    return entry


def write_json(path: Path, outcomes: Sequence[Outcome], seed: int, target: str) -> None:
    path.write_text(json.dumps(to_json(outcomes, seed, target), indent=2, default=repr) + "\n", "utf-8")


def write_junit(path: Path, outcomes: Sequence[Outcome], seed: int) -> None:
    failed = sum(1 for o in outcomes if not o.passed)
    seconds = sum(o.seconds for o in outcomes)
    suites = ET.Element("testsuites")
    suite = ET.SubElement(
        suites, "testsuite", name="mtdsim scenarios", tests=str(len(outcomes)), failures=str(failed),
        errors="0", skipped="0", time=f"{seconds:.3f}",
    )  # fmt: skip
    properties = ET.SubElement(suite, "properties")
    ET.SubElement(properties, "property", name="seed", value=str(seed))
    for outcome in outcomes:
        s = outcome.scenario
        case = ET.SubElement(
            suite, "testcase", classname=s.path.name.removesuffix(".scenario.yaml"), name=s.name,
            file=str(s.path), line=str(s.line), time=f"{outcome.seconds:.3f}",
        )  # fmt: skip
        if outcome.failure is not None:
            failure = ET.SubElement(case, "failure", message=str(outcome.failure))
            failure.text = render_failure(outcome.failure, s, outcome.reproduce)
    ET.indent(suites)
    ET.ElementTree(suites).write(path, encoding="utf-8", xml_declaration=True)


def write_markdown(path: Path, outcomes: Sequence[Outcome], seed: int, target: str) -> None:
    failed = [o for o in outcomes if not o.passed]
    lines = [
        "# mtdsim scenario run",
        "",
        f"{len(outcomes) - len(failed)} passed, {len(failed)} failed; seed {seed}; target {target}.",
        "",
        "| result | scenario | where | source | ms |",
        "|---|---|---|---|---|",
    ]
    for o in outcomes:
        s = o.scenario
        result = "pass" if o.passed else "**FAIL**"
        where = f"{s.path.name}:{s.line}"
        lines.append(f"| {result} | {_cell(s.name)} | {where} | {_cell(s.source)} | {o.seconds * 1000:.0f} |")
    for o in failed:
        assert o.failure is not None
        lines += ["", f"## {o.scenario.name}", "", "```", render_failure(o.failure, o.scenario, o.reproduce), "```"]
    path.write_text("\n".join(lines) + "\n", "utf-8")


def _cell(text: str) -> str:
    return text.replace("|", "\\|").replace("\n", " ")
