"""``create_app(settings)``: the mock Intune service as an aiohttp application (no I/O until it starts)."""

from __future__ import annotations

from collections.abc import AsyncIterator

from aiohttp import web

from simulator.contracts import ContractSet, default_contracts
from simulator.entra import routes as entra_routes
from simulator.service import auth, certification_view, control, control_ops, dashboard, graph, partner, recording
from simulator.service.body_worker import body_worker_ctx
from simulator.service.control_inventory import routes as inventory_routes  # device counts, unenrolment
from simulator.service.http import UNMATCHED, json_response
from simulator.service.keys import CONTRACTS, SETTINGS, STATE
from simulator.service.middleware import in_context, unmatched
from simulator.service.settings import Settings
from simulator.service.state import ServiceState

__all__ = ["create_app"]


def create_app(settings: Settings, *, contracts: ContractSet | None = None) -> web.Application:
    """Wire settings and routes, each in the request context; state is built in ``cleanup_ctx`` when the app starts.

    ``contracts`` defaults to the contracts shipped with mtdsim, loaded once per process.
    """
    # Here, not at the top: simulator.store builds on the service's modules, which import this package first.
    from simulator.store import routes as store_routes
    from simulator.store.lifecycle import durable_state

    app = web.Application(client_max_size=settings.max_body_size, handler_args={"max_field_size": 16384})
    app[SETTINGS] = settings
    if contracts is not None:
        app[CONTRACTS] = contracts
    app.cleanup_ctx.append(_service_state)
    if settings.record_path is not None:
        recording.install(app, settings.record_path)
    if settings.state_dir is not None:
        app.cleanup_ctx.append(durable_state)
    app.cleanup_ctx.append(dashboard.sampler_ctx)  # after the state it samples
    app.cleanup_ctx.append(body_worker_ctx)  # after the contracts its worker loads
    own_routes = web.RouteTableDef()
    own_routes.get("/openapi.json", name="openapi")(_openapi)
    for table in (auth.routes, control.routes, control_ops.routes, dashboard.routes, partner.routes, graph.routes,
                  entra_routes.routes, inventory_routes, certification_view.routes, store_routes.routes, own_routes):
        for route in table:
            assert isinstance(route, web.RouteDef), route  # route tables here hold no static routes
            handler = in_context(app, route.handler, route.path)
            web.RouteDef(route.method, route.path, handler, route.kwargs).register(app.router)
    # Last: it takes only what no other route does.
    app.router.add_route("*", "/{path:.*}", in_context(app, unmatched), name=UNMATCHED)
    return app


async def _service_state(app: web.Application) -> AsyncIterator[None]:
    if CONTRACTS not in app:
        app[CONTRACTS] = default_contracts()  # reads contracts/ once per process
    app[STATE] = ServiceState(app[SETTINGS])
    yield


async def _openapi(request: web.Request) -> web.Response:
    return json_response(request, request.app[CONTRACTS].openapi_document())
