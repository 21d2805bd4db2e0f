"""``durable_state``: the ``cleanup_ctx`` that restores a service from its state directory and checkpoints it."""

from __future__ import annotations

import logging
from collections.abc import AsyncIterator

from aiohttp import web

from simulator.service.keys import CHECKPOINTER, SETTINGS, STATE
from simulator.store.capture import capture_changes
from simulator.store.checkpointer import Checkpointer
from simulator.store.snapshot import apply_snapshot
from simulator.store.sqlite import SqliteStore

__all__ = ["durable_state"]

log = logging.getLogger("mtdsim.store")


async def durable_state(app: web.Application) -> AsyncIterator[None]:
    """Runs after the state is built: a directory with a checkpoint replaces it (config tenants included), then
    checkpoints run every ``checkpoint_interval`` seconds, and once more when the app shuts down."""
    settings = app[SETTINGS]
    assert settings.state_dir is not None
    store = SqliteStore(settings.state_dir)
    state = app[STATE]
    checkpointer = Checkpointer(state, store, settings.checkpoint_interval)
    document = store.load()
    if document is not None:
        apply_snapshot(state, document)
        checkpointer.restored_from = float(document["takenAt"])
        log.info("restored the state of %s from %s", document["takenAt"], settings.state_dir)
        store.mark_written(capture_changes(state))  # starts tracking: the restored records are written already
    app[CHECKPOINTER] = checkpointer
    checkpointer.start()
    yield
    await checkpointer.close()
