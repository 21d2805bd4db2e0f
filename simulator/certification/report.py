"""Read a running mock's evidence over its control API, certify, and write the result for people (Markdown) and for
a partner's CI (JUnit XML, JSON)."""

from __future__ import annotations

import xml.etree.ElementTree as ET
from collections.abc import Sequence
from pathlib import Path
from typing import Any
from urllib.parse import urlencode

import aiohttp

from simulator.certification.checks import Check, Evidence
from simulator.conformance import control_get
from simulator.entra.trust import client_connector
from simulator.errors import SimulationError

__all__ = ["fetch_evidence", "to_json", "to_markdown", "write_junit"]

JOURNAL_LIMIT = 100_000  # beyond the mock's default ring of 10,000: the whole journal it kept


async def fetch_evidence(
    target: str, control_key: str, *, window: str = "P1D", max_age: str = "PT15M", tenant: str | None = None,
    ca_file: str | None = None,
) -> Evidence:
    base = target.rstrip("/")
    scope = {"tenant": tenant} if tenant else {}
    query = urlencode({"window": window, "maxAge": max_age, **scope})
    headers = {"X-Mtdsim-Control-Key": control_key}
    try:
        async with aiohttp.ClientSession(headers=headers, timeout=aiohttp.ClientTimeout(total=60),
                                         connector=client_connector(ca_file)) as session:
            certification = await control_get(session, f"{base}/_sim/certification?{query}")
            stats = await control_get(session, f"{base}/_sim/stats")
            violations = await control_get(session, f"{base}/_sim/violations")
            journal = await control_get(session, f"{base}/_sim/journal?{urlencode({'limit': JOURNAL_LIMIT})}")
    except aiohttp.ClientError as exc:
        raise SimulationError(f"cannot reach {base}: {exc}") from exc
    # Scoped to a tenant, requests the mock could not attribute to any (a 401 for an expired or foreign token) still
    # count: they are the session's too, and the ones a certification most needs to see.
    entries = [e for e in journal["value"] if tenant is None or e.get("tenant") in (tenant, None)]
    return Evidence(certification, stats, violations["value"], entries, int(journal.get("dropped", 0)),
                    window, max_age)  # fmt: skip


def to_json(checks: Sequence[Check]) -> dict[str, Any]:
    return {
        "passed": not any(c.failed for c in checks),
        "failed": [c.id for c in checks if c.failed],
        "checks": [c.to_json() for c in checks],
    }


def to_markdown(checks: Sequence[Check]) -> str:
    failed = [c.id for c in checks if c.failed]
    verdict = f"**{len(failed)} failed**: {', '.join(failed)}" if failed else "**every check passed**"
    lines = ["## Partner certification", "", f"{verdict}.", "",
             "| check | result | kind | evidence |", "|---|---|---|---|"]  # fmt: skip
    for c in checks:
        evidence = "; ".join(f"{k}: {v}" for k, v in c.evidence.items())
        lines.append(f"| {c.title} (`{c.id}`) | {c.status.upper()} | {c.kind} | {_cell(evidence)} |")
    for c in checks:
        if c.failed:
            lines += ["", f"### {c.id}", "", f"Source: {c.source}", ""] + [f"- {_cell(e)}" for e in c.examples]
    return "\n".join(lines) + "\n"


def write_junit(path: Path, checks: Sequence[Check]) -> None:
    suites = ET.Element("testsuites")
    suite = ET.SubElement(
        suites, "testsuite", name="mtdsim partner certification", tests=str(len(checks)),
        failures=str(sum(c.failed for c in checks)), errors="0",
        skipped=str(sum(c.status == "skipped" for c in checks)),
    )  # fmt: skip
    for c in checks:
        case = ET.SubElement(suite, "testcase", classname=f"certification.{c.kind}", name=c.id)
        detail = "\n".join([c.title, f"source: {c.source}", *(f"{k}: {v}" for k, v in c.evidence.items()),
                            *c.examples])  # fmt: skip
        if c.failed:
            ET.SubElement(case, "failure", message=c.title).text = detail
        elif c.status == "skipped":
            ET.SubElement(case, "skipped", message="nothing to judge in this session")
        else:
            ET.SubElement(case, "system-out").text = detail
    ET.indent(suites)
    path.parent.mkdir(parents=True, exist_ok=True)
    ET.ElementTree(suites).write(path, encoding="utf-8", xml_declaration=True)


def _cell(text: str) -> str:
    return text.replace("|", "\\|").replace("\n", " ")
