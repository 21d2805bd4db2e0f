"""Reading a state directory without a running server: the conformance report and the journal.

The database is opened read-only, so this works on the directory of a server that is still running (WAL lets a
reader see the last committed checkpoint while the server writes the next one).
"""

from __future__ import annotations

from pathlib import Path
from typing import Any

from simulator.conformance import ConformanceReport
from simulator.errors import ConfigError
from simulator.service.journal_query import JournalQuery
from simulator.service.state import JournalEntry
from simulator.store.snapshot import decode_journal_row
from simulator.store.sqlite import DATABASE, SqliteStore

__all__ = ["JournalQuery", "open_directory", "read_journal", "read_report"]


def open_directory(directory: Path) -> SqliteStore:
    """The store of an existing state directory, read-only; ConfigError when it holds no checkpoint."""
    if not (directory / DATABASE).is_file():
        raise ConfigError(f"{directory} is not an mtdsim state directory (no {DATABASE}): "
                          "start `mtdsim serve --state DIR` to make one")  # fmt: skip
    return SqliteStore(directory, read_only=True)


def read_report(directory: Path) -> ConformanceReport:
    """The conformance report of the directory's last checkpoint, as ``mtdsim report`` prints it for a server."""
    store = open_directory(directory)
    try:
        meta = store.meta()
        if meta is None:
            raise ConfigError(f"{directory} holds no checkpoint yet")
        violations = store.violations()
        journal_total = store.ring_total("journal")
        checks_total = store.ring_total("self_checks")
    finally:
        store.close()
    counters = meta["counters"]
    stats = {
        "requests": journal_total,
        "byStatus": dict(sorted(counters["statusCounts"].items())),
        "tokensIssued": counters["tokensIssued"],
        "violations": violations["total"],
        "violationsByCode": counters["violationsByCode"],
        "selfCheckFailures": checks_total,
        "traffic": counters["traffic"],
        "checkpointTakenAt": meta["takenAt"],
    }
    wire = tuple(_violation_wire(v) for v in violations["items"])
    return ConformanceReport(f"state directory {directory}", stats, wire, violations["total"] - len(wire))


def _violation_wire(record: dict[str, Any]) -> dict[str, Any]:
    """A saved Violation record in the shape ``/_sim/violations`` answers (camelCase, absent optionals left out)."""
    wire = {"code": record["code"], "message": record["message"], "route": record["route"], "time": record["time"]}
    if record.get("pointer") is not None:
        wire["pointer"] = record["pointer"]
    if record.get("client_id") is not None:
        wire["clientId"] = record["client_id"]
    return wire


def read_journal(directory: Path, query: JournalQuery) -> tuple[list[JournalEntry], int]:
    """(matching entries, newest first; the journal's total count) from the directory's last checkpoint."""
    store = open_directory(directory)
    try:
        rows = store.journal_rows()
        total = store.ring_total("journal")
    finally:
        store.close()
    entries = (JournalEntry._make(decode_journal_row(row)) for row in reversed(rows))
    return list(query.select(entries)), total
