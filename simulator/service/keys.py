"""Every ``web.AppKey`` and ``web.RequestKey`` of the mock service, in one place."""

from __future__ import annotations

from typing import TYPE_CHECKING

from aiohttp import web

from simulator.bodies.pool import BodyWorker
from simulator.contracts import ContractSet
from simulator.recording import Recorder
from simulator.service.settings import Settings
from simulator.service.state import RequestInfo, ServiceState

if TYPE_CHECKING:  # the store imports the service: named for the type checker only
    from simulator.store.checkpointer import Checkpointer

__all__ = ["BODY_WORKER", "CHECKPOINTER", "CONTRACTS", "RECORDER", "REQUEST_INFO", "SETTINGS", "STATE"]

SETTINGS = web.AppKey("mtdsim.settings", Settings)
CONTRACTS = web.AppKey("mtdsim.contracts", ContractSet)
# Built in cleanup_ctx, so create_app itself does no work beyond wiring.
STATE = web.AppKey("mtdsim.state", ServiceState)
# Per-request facts (request id, caller, device) that handlers fill in and the journal reads.
# mtdsim serve --record: the session being recorded (service/recording.py installs it).
RECORDER = web.AppKey("mtdsim.recorder", Recorder)
REQUEST_INFO = web.RequestKey("mtdsim.request_info", RequestInfo)
# Parses and checks bodies too expensive for the event loop (service/body_worker.py); no process until needed.
BODY_WORKER = web.AppKey("mtdsim.body_worker", BodyWorker)
# Only with a state directory (mtdsim serve --state): checkpoints the state, see simulator/store.
CHECKPOINTER: web.AppKey[Checkpointer] = web.AppKey("mtdsim.checkpointer")
