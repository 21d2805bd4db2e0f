"""``mtdsim serve --record FILE``: keep every partner-channel and Graph request with the mock's answer, and on
shutdown write the session as a scenario file (simulator/recording). Installed only when recording: the
middleware reads each body once more, which the hot path should not pay for."""

from __future__ import annotations

import json
from collections.abc import AsyncIterator, Awaitable, Callable
from pathlib import Path
from typing import Any

import yaml
from aiohttp import web

from simulator.recording import RecordedRequest, Recorder, scenario_document
from simulator.service.devices import device_to_wire
from simulator.service.keys import RECORDER, REQUEST_INFO, STATE

__all__ = ["install"]

_RECORDED_PREFIXES = ("/partner/", "/v1.0/", "/beta/")
_MODELINE = "# yaml-language-server: $schema=https://mtdsim.example/contracts/scenario.schema.json\n"


_RECORDED_BODY_LIMIT = 512 * 1024  # bytes; a batch of 1000 reports with every property set is ~312 KB
Handler = Callable[[web.Request], Awaitable[web.StreamResponse]]


def install(app: web.Application, path: Path) -> None:
    app[RECORDER] = Recorder(path)
    app.middlewares.append(_record)
    app.cleanup_ctx.append(_write_on_shutdown)


@web.middleware
async def _record(request: web.Request, handler: Handler) -> web.StreamResponse:
    if not request.path.startswith(_RECORDED_PREFIXES):
        return await handler(request)
    now = request.app[STATE].clock.now()
    response = await handler(request)
    info = request.get(REQUEST_INFO)
    if info is not None and info.client_id is not None:
        # Read after the handler: it read the body within the body timeout (or refused the request before reading
        # it, and then the body is recorded only if it had all arrived); a slow body must not stall here.
        # read_json keeps what it read in info.body (request.read() has nothing left to give then).
        body = _json(info.body) if info.body is not None else (
            _json(await request.read()) if request.body_exists and request.content.is_eof() else None)
        raw = response.body if isinstance(response, web.Response) else None
        answer = _json(raw) if isinstance(raw, bytes) else None
        kind = "partner" if info.partner is not None else "admin"
        request.app[RECORDER].requests.append(RecordedRequest(
            now, request.method, request.path_qs, body, response.status, answer, info.tenant, info.partner, kind))
    return response


def _json(raw: bytes) -> Any:
    """The body as JSON for the scenario; None when absent, not JSON, or larger than any realistic step (a hostile
    million-value body would otherwise be parsed again, on the event loop, just to be recorded)."""
    if not raw or len(raw) > _RECORDED_BODY_LIMIT:
        return None
    try:
        return json.loads(raw)
    except ValueError:
        return None


async def _write_on_shutdown(app: web.Application) -> AsyncIterator[None]:
    recorder = app[RECORDER]
    recorder.start = app[STATE].clock.now()
    yield
    state = app[STATE]
    now = state.clock.now()
    configured = {spec.id for spec in state.settings.config.tenants}
    tenants, compliance = [], {}
    for tenant in state.tenants.values():
        if tenant.id not in configured:
            continue
        partners = [a.connector_id for a in state.apps.values() if a.tenant_id == tenant.id and a.connector_id]
        devices = [device_to_wire(d) for d in tenant.devices.values()]
        tenants.append({"id": tenant.id, "displayName": tenant.display_name, "partners": partners,
                        "devices": devices})  # fmt: skip
        compliance.update({aad: tenant.compliance(aad, now).state.value for aad in tenant.devices})
    name = f"recorded session of {len(recorder.requests)} requests"
    document = scenario_document(name, recorder.start, tenants, recorder.requests, compliance)
    recorder.path.parent.mkdir(parents=True, exist_ok=True)
    recorder.path.write_text(_MODELINE + yaml.safe_dump(document, sort_keys=False, allow_unicode=True), "utf-8")
