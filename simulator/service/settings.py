"""Everything ``create_app`` needs to know, in one frozen record (no I/O happens while building it)."""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import datetime
from pathlib import Path

from simulator.control_key import new_control_key
from simulator.entra.keys import SigningKey
from simulator.service.config import ServiceConfig, demo_config

__all__ = ["DEFAULT_PORT", "MAX_BODY_SIZE", "Settings", "new_control_key"]

DEFAULT_PORT = 8765
MAX_BODY_SIZE = 4 * 1024 * 1024  # documented in docs/architecture.md: a 1000-report batch is ~0.4 MB


@dataclass(frozen=True, slots=True)
class Settings:
    """Configuration of one mock service instance.

    ``clock_start`` None means "now"; tests pass a fixed start with ``clock_ticking=False``.
    ``config`` holds the tenants, apps and devices that ``/_sim/reset`` returns to.
    """

    host: str = "127.0.0.1"
    port: int = DEFAULT_PORT
    seed: int = 0
    token_lifetime: int = 3599
    max_body_size: int = MAX_BODY_SIZE
    journal_size: int = 10_000
    violations_size: int = 10_000
    validate_responses: bool = False
    clock_start: datetime | None = None
    clock_ticking: bool = True
    control_key: str = field(default_factory=new_control_key)
    config_path: Path | None = None
    config: ServiceConfig = field(default_factory=demo_config)
    # Faults that delay (latency, stall) never wait longer than this, so shutdown and tests stay bounded.
    max_fault_delay: float = 10.0
    token_cache_size: int = 4096
    throttling: bool = False
    # A request body must arrive within this many seconds of the handler asking for it, else 408 and the connection
    # is closed: a half-sent body must not hold a connection (and its buffer) for minutes.
    body_timeout: float = 10.0
    # A body that may hold more JSON values than this (a 1000-report batch with every property set holds ~30,000) is
    # parsed and checked in a worker process, off the event loop (simulator/bodies); 0 parses every body on the loop.
    # Bodies under twice this many bytes cannot, and skip the scan: 512 KiB keeps 1000-report batches (~300 KB) clear.
    body_worker_values: int = 262_144
    # Entra issues v1.0 tokens for Graph (simulator/entra/claims.py); 2 issues v2.0 claim sets instead.
    token_version: int = 1
    record_path: Path | None = None  # mtdsim serve --record: the session is written here as a scenario on shutdown
    # Durable state (simulator/store): None keeps everything in memory only.
    state_dir: Path | None = None
    checkpoint_interval: float = 1.0
    max_snapshot_size: int = 1024 * 1024 * 1024  # PUT /_sim/snapshot bodies (a 1M-device snapshot is ~0.6 GB)
    # The first token signing key; None shares one in-process key (tests). ``mtdsim serve`` passes its kept key.
    signing_key: SigningKey | None = None
