"""A state directory: one SQLite database in WAL mode, written incrementally, read back into a snapshot document.

Each checkpoint writes, in one transaction, only what changed since the previous one. Records are immutable, so
"changed" is an identity test between the dict copies of two captures (``simulator.store.capture``): a replaced
record is a new object. WAL with ``synchronous=NORMAL`` makes a committed checkpoint survive the process being
killed (the pages are in the operating system's cache); only a power cut can cost the newest transactions.
"""

from __future__ import annotations

import sqlite3
from pathlib import Path
from typing import Any

import orjson

from simulator.errors import ConfigError
from simulator.store.capture import Capture, TenantCapture
from simulator.store.snapshot import (
    DEVICE,
    FORMAT,
    VERSION,
    VIOLATION,
    encode_journal_row,
    encode_report,
    globals_document,
    tenant_header,
)

__all__ = ["DATABASE", "SqliteStore"]

DATABASE = "mtdsim-state.sqlite3"
_SCHEMA = """
CREATE TABLE IF NOT EXISTS meta (key TEXT PRIMARY KEY, value TEXT NOT NULL);
CREATE TABLE IF NOT EXISTS tenants (id TEXT NOT NULL UNIQUE, header TEXT NOT NULL);
CREATE TABLE IF NOT EXISTS devices (tenant TEXT NOT NULL, id TEXT NOT NULL, body TEXT NOT NULL, UNIQUE (tenant, id));
CREATE TABLE IF NOT EXISTS reports (tenant TEXT NOT NULL, connector TEXT NOT NULL, device TEXT NOT NULL,
    body TEXT NOT NULL, UNIQUE (tenant, connector, device));
CREATE TABLE IF NOT EXISTS journal (seq INTEGER PRIMARY KEY, body TEXT NOT NULL);
CREATE TABLE IF NOT EXISTS violations (seq INTEGER PRIMARY KEY, body TEXT NOT NULL);
CREATE TABLE IF NOT EXISTS self_checks (seq INTEGER PRIMARY KEY, body TEXT NOT NULL);
"""
# Rows keep their rowid when a record is replaced (an upsert, not INSERT OR REPLACE) and new rows get higher ones,
# so reading in rowid order gives the dicts back in their insertion order: the order lists and pages follow.
_UPSERT_TENANT = "INSERT INTO tenants VALUES (?, ?) ON CONFLICT (id) DO UPDATE SET header = excluded.header"
_UPSERT_DEVICE = "INSERT INTO devices VALUES (?, ?, ?) ON CONFLICT (tenant, id) DO UPDATE SET body = excluded.body"
_UPSERT_REPORT = ("INSERT INTO reports VALUES (?, ?, ?, ?) ON CONFLICT (tenant, connector, device) "
                  "DO UPDATE SET body = excluded.body")
# Ring tables: (table, capture field with the items, capture field with the total, encoder)
_RINGS = (("journal", "journal_rows", "journal_total", encode_journal_row),
          ("violations", "violations", "violations_total", VIOLATION.encode),
          ("self_checks", "self_checks", "self_checks_total", lambda text: text))  # fmt: skip


def _dumps(value: Any) -> str:
    return orjson.dumps(value).decode()


class SqliteStore:
    """The database of one state directory. One writer at a time (the checkpointer serialises its calls)."""

    def __init__(self, directory: Path, *, read_only: bool = False) -> None:
        try:
            if read_only:
                uri = f"{(directory / DATABASE).resolve().as_uri()}?mode=ro"
                self._db = sqlite3.connect(uri, uri=True, isolation_level=None)
            else:
                directory.mkdir(parents=True, exist_ok=True)
                # Used by one worker thread at a time, never concurrently: the checkpointer awaits each write.
                self._db = sqlite3.connect(directory / DATABASE, check_same_thread=False, isolation_level=None)
                self._db.execute("PRAGMA journal_mode=WAL")
                self._db.execute("PRAGMA synchronous=NORMAL")
                self._db.executescript(_SCHEMA)
        except (OSError, sqlite3.Error) as exc:
            raise ConfigError(f"--state {directory}: cannot open the state database: {exc}") from exc
        self.directory = directory
        self._tenant_ids: set[str] | None = None  # tenants the file holds, None before the first write
        self._headers: dict[str, str] = {}
        self._ring_totals: dict[str, int] = {}
        self.rows_written = 0  # by the last write

    def close(self) -> None:
        self._db.close()

    # -- reading ------------------------------------------------------------------------------------------------

    def meta(self) -> dict[str, Any] | None:
        """The instance-wide part (clock, apps, counters, takenAt) of the last checkpoint; None if there is none."""
        row = self._db.execute("SELECT value FROM meta WHERE key = 'globals'").fetchone()
        return None if row is None else dict(orjson.loads(row[0]))

    def load(self) -> dict[str, Any] | None:
        """The last checkpoint as a snapshot document (simulator.store.snapshot), or None for a new directory."""
        meta = self.meta()
        if meta is None:
            return None
        tenants = []
        for tenant_id, header in self._db.execute("SELECT id, header FROM tenants ORDER BY rowid"):
            devices = self._bodies("SELECT body FROM devices WHERE tenant = ? ORDER BY rowid", tenant_id)
            reports = self._bodies("SELECT body FROM reports WHERE tenant = ? ORDER BY rowid", tenant_id)
            tenants.append({**orjson.loads(header), "devices": devices, "reports": reports})
        return {"format": FORMAT, "version": VERSION, **meta, "tenants": tenants,
                "journal": self._ring("journal", "rows"), "violations": self._ring("violations", "items"),
                "selfCheckFailures": self._ring("self_checks", "items")}  # fmt: skip

    def journal_rows(self) -> list[Any]:
        """The saved journal rows, oldest first (the offline journal reader)."""
        return self._bodies("SELECT body FROM journal ORDER BY seq")

    def violations(self) -> dict[str, Any]:
        return self._ring("violations", "items")

    def _bodies(self, sql: str, *args: Any) -> list[Any]:
        return [orjson.loads(body) for (body,) in self._db.execute(sql, args)]

    def ring_total(self, table: str) -> int:
        """How many items a ring (journal, violations, self_checks) had seen, beyond those it kept."""
        total = self._db.execute("SELECT value FROM meta WHERE key = ?", (f"{table}Total",)).fetchone()
        return int(total[0]) if total else 0

    def _ring(self, table: str, items: str) -> dict[str, Any]:
        return {"total": self.ring_total(table), items: self._bodies(f"SELECT body FROM {table} ORDER BY seq")}

    # -- writing ------------------------------------------------------------------------------------------------

    @property
    def needs_everything(self) -> bool:
        """The next write must carry every tenant complete (a new file, or one after a failed write)."""
        return self._tenant_ids is None

    def mark_written(self, shot: Capture) -> None:
        """The database holds ``shot`` already (it was just restored from it): the next write builds on it."""
        self._tenant_ids = {t.id for t in shot.tenants}
        self._headers = {t.id: _dumps(tenant_header(t)) for t in shot.tenants}
        self._ring_totals = {table: getattr(shot, total) for table, _, total, _ in _RINGS}

    def write(self, shot: Capture) -> int:
        """Write ``shot`` in one transaction: a complete tenant replaces its rows, an incremental one upserts and
        deletes what changed; rings append what is new. Returns the number of rows touched."""
        rows = 0
        db = self._db
        db.execute("BEGIN")
        try:
            if self._tenant_ids is None:  # the first write into this file: it holds nothing we know of
                if not all(t.complete for t in shot.tenants):
                    raise ValueError("the first write of a state file needs complete tenants (capture_changes "
                                     "with everything=True)")
                for table in ("tenants", "devices", "reports"):
                    db.execute(f"DELETE FROM {table}")
                self._tenant_ids, self._headers = set(), {}
            ids = {t.id for t in shot.tenants}
            for gone in self._tenant_ids - ids:
                rows += self._drop_tenant(gone)
            for tenant in shot.tenants:
                rows += self._write_tenant(tenant)
            for table, items, total, encode in _RINGS:
                rows += self._write_ring(table, getattr(shot, items), getattr(shot, total),
                                         self._ring_totals.get(table), encode)  # fmt: skip
            db.execute("INSERT OR REPLACE INTO meta VALUES ('globals', ?)", (_dumps(globals_document(shot)),))
            db.execute("COMMIT")
        except BaseException:
            db.execute("ROLLBACK")
            self._tenant_ids = None  # unknown now: the next (complete) write starts over
            raise
        self._tenant_ids = ids
        self._ring_totals = {table: getattr(shot, total) for table, _, total, _ in _RINGS}
        self.rows_written = rows + 1
        return self.rows_written

    def _drop_tenant(self, tenant_id: str) -> int:
        self._headers.pop(tenant_id, None)
        touched = 0
        for table, column in (("tenants", "id"), ("devices", "tenant"), ("reports", "tenant")):
            touched += self._db.execute(f"DELETE FROM {table} WHERE {column} = ?", (tenant_id,)).rowcount
        return touched

    def _write_tenant(self, tenant: TenantCapture) -> int:
        db, rows, tid = self._db, 0, tenant.id
        header = _dumps(tenant_header(tenant))
        if self._headers.get(tid) != header:
            db.execute(_UPSERT_TENANT, (tid, header))
            self._headers[tid] = header
            rows += 1
        if tenant.complete:
            rows += db.execute("DELETE FROM devices WHERE tenant = ?", (tid,)).rowcount
            rows += db.execute("DELETE FROM reports WHERE tenant = ?", (tid,)).rowcount
        db.executemany(_UPSERT_DEVICE, ((tid, key, _dumps(DEVICE.encode(d))) for key, d in tenant.devices.items()))
        db.executemany("DELETE FROM devices WHERE tenant = ? AND id = ?", ((tid, key) for key in tenant.devices_gone))
        db.executemany(_UPSERT_REPORT,
                       ((tid, *key, _dumps(encode_report(r))) for key, r in tenant.reports.items()))  # fmt: skip
        db.executemany("DELETE FROM reports WHERE tenant = ? AND connector = ? AND device = ?",
                       ((tid, *key) for key in tenant.reports_gone))
        return rows + len(tenant.devices) + len(tenant.devices_gone) + len(tenant.reports) + len(tenant.reports_gone)

    def _write_ring(self, table: str, items: tuple[Any, ...], total: int, written_total: int | None,
                    encode: Any) -> int:  # fmt: skip
        """Append the items seen since the last write; a ring that went back (a reset) is rewritten whole."""
        db = self._db
        new = total - written_total if written_total is not None and total >= written_total else None
        if new is None:
            db.execute(f"DELETE FROM {table}")
            new = len(items)
        fresh = items[len(items) - min(new, len(items)):]
        first = total - len(fresh) + 1
        db.executemany(f"INSERT OR REPLACE INTO {table} VALUES (?, ?)",
                       ((first + n, _dumps(encode(item))) for n, item in enumerate(fresh)))
        db.execute(f"DELETE FROM {table} WHERE seq <= ?", (total - len(items),))
        db.execute(f"INSERT OR REPLACE INTO meta VALUES ('{table}Total', ?)", (str(total),))
        return len(fresh)

