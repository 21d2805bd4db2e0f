"""``mtdsim serve``: run the mock Intune endpoint until SIGINT/SIGTERM, then finish in-flight requests, exit 0."""

from __future__ import annotations

import argparse
from typing import Any

__all__ = ["add_parser", "run"]


def add_parser(subparsers: Any) -> None:
    parser = subparsers.add_parser("serve", help="run the mock Intune endpoint (token, partner, Graph, control API)")
    parser.add_argument("--host", default="127.0.0.1", help="interface to listen on (default 127.0.0.1)")
    parser.add_argument("--port", type=_port, default=8765, help="port (default 8765; 0 picks a free one)")
    parser.add_argument("--config", metavar="FILE", help="YAML/JSON tenants, apps and devices (docs/configuration.md)")
    parser.add_argument("--seed", type=int, default=None, help="seed for generated ids and faults (default random)")
    parser.add_argument("--control-key", metavar="K", help="key for the /_sim control API (default random)")
    parser.add_argument("--token-lifetime", type=int, default=3599, metavar="S", help="token lifetime in seconds")
    parser.add_argument("--body-timeout", type=float, default=10.0, metavar="S",
                        help="seconds a request body may take to arrive before 408 (default 10)")
    tls = parser.add_argument_group("TLS (HTTPS; MSAL and azure-identity need it)")
    tls.add_argument("--tls", action="store_true", help="serve HTTPS with a certificate from mtdsim's local CA "
                     "(made once, kept in --tls-dir; the CA file to trust is printed)")
    tls.add_argument("--tls-dir", metavar="DIR", help="where the local CA and certificate are kept "
                     "(default $XDG_DATA_HOME/mtdsim/tls or ~/.local/share/mtdsim/tls)")
    tls.add_argument("--tls-cert", metavar="PEM", help="your own certificate (chain) instead; implies --tls")
    tls.add_argument("--tls-key", metavar="PEM", help="the private key of --tls-cert")
    parser.add_argument("--token-version", type=int, choices=(1, 2), default=1,
                        help="access token claim set: 1 as Entra issues for Graph (default), or 2")
    parser.add_argument("--signing-key", metavar="PEM", help="RSA private key (PEM, optionally with its certificate) "
                        "that signs tokens (default: one made once and kept in $XDG_DATA_HOME/mtdsim/signing-key.pem)")
    parser.add_argument("--event-loop", choices=("auto", "uvloop", "asyncio"), default="auto",
                        help="event loop (default auto: uvloop where installed, else asyncio's own)")
    parser.add_argument("--record", metavar="FILE",
                        help="on shutdown, write the session (partner and Graph requests) as a scenario file")
    parser.add_argument("--state", metavar="DIR", help="keep the state durable in DIR (SQLite): restored at start, "
                        "checkpointed every --checkpoint-interval and at shutdown (default: in memory only)")
    parser.add_argument("--checkpoint-interval", type=float, default=1.0, metavar="S",
                        help="seconds between checkpoints with --state (default 1; a kill -9 loses at most this)")
    parser.set_defaults(func=run)


def _port(text: str) -> int:
    """A TCP port, 0 to 65535: aiohttp would silently wrap 99999 to another port."""
    try:
        port = int(text)
    except ValueError:
        raise argparse.ArgumentTypeError(f"not a port number: {text!r}") from None
    if not 0 <= port <= 65535:
        raise argparse.ArgumentTypeError(f"{port} is not a port (0 to 65535; 0 picks a free one)")
    return port


def run(args: argparse.Namespace) -> int:
    import asyncio
    import random
    from pathlib import Path

    from simulator.service.config import load_config
    from simulator.service.settings import Settings, new_control_key

    seed = args.seed if args.seed is not None else random.SystemRandom().randrange(2**31)
    extra: dict[str, Any] = {}
    if args.config:
        extra = {"config_path": Path(args.config), "config": load_config(Path(args.config))}
    if args.record:
        extra["record_path"] = Path(args.record)
    if args.state:
        if not args.checkpoint_interval > 0:
            from simulator.errors import ConfigError

            raise ConfigError("--checkpoint-interval must be a positive number of seconds")
        extra.update(state_dir=Path(args.state), checkpoint_interval=args.checkpoint_interval)
    settings = Settings(
        host=args.host,
        port=args.port,
        seed=seed,
        token_lifetime=args.token_lifetime,
        body_timeout=args.body_timeout,
        token_version=args.token_version,
        control_key=args.control_key or new_control_key(),
        signing_key=_signing_key(args),
        **extra,
    )
    certificate = _certificate(args)
    with asyncio.Runner(loop_factory=_loop_factory(args.event_loop)) as runner:
        runner.run(_serve(settings, certificate))
    return 0


def _certificate(args: argparse.Namespace) -> Any:
    """The server certificate for HTTPS (the user's, or one from the kept local CA), or None for plain HTTP."""
    from pathlib import Path

    from simulator.errors import ConfigError

    if bool(args.tls_cert) != bool(args.tls_key):
        raise ConfigError("--tls-cert and --tls-key go together")
    if not (args.tls or args.tls_cert):
        return None
    from simulator.entra.tls import ServerCertificate, default_tls_dir, local_certificate

    if args.tls_cert:
        return ServerCertificate(Path(args.tls_cert), Path(args.tls_key), None)
    return local_certificate(Path(args.tls_dir) if args.tls_dir else default_tls_dir(), [args.host])


def _signing_key(args: argparse.Namespace) -> Any:
    """The first token signing key: ``--signing-key``, else the kept one, so tokens outlive a restart and start-up
    does not generate an RSA key. An unwritable data directory costs only that: a warning and a fresh key."""
    import sys
    from pathlib import Path

    from simulator.entra.keyfile import default_data_dir, kept_signing_key, read_signing_key
    from simulator.errors import ConfigError

    if args.signing_key:
        return read_signing_key(Path(args.signing_key))
    try:
        return kept_signing_key(default_data_dir())
    except ConfigError as exc:
        print(f"warning: {exc}; tokens will not verify after a restart", file=sys.stderr)
        return None


def _loop_factory(choice: str) -> Any:
    """uvloop's loop factory, or None for asyncio's default loop (``asyncio.Runner`` takes either)."""
    if choice == "asyncio":
        return None
    try:
        import uvloop
    except ImportError:
        if choice == "uvloop":
            from simulator.errors import ConfigError

            raise ConfigError("--event-loop uvloop: uvloop is not installed (pip install uvloop)") from None
        return None
    return uvloop.new_event_loop


async def _serve(settings: Any, certificate: Any) -> None:
    import asyncio
    import errno
    import signal

    from aiohttp import web

    from simulator.service import create_app
    from simulator.service.rejections import GraphRunner

    # In-flight requests get this long to finish on shutdown; injected delays are capped below it.
    runner = GraphRunner(create_app(settings), access_log=None, shutdown_timeout=settings.max_fault_delay + 2)
    await runner.setup()
    _tune_collector()
    context = None
    if certificate is not None:
        from simulator.entra.tls import server_ssl_context

        context = server_ssl_context(certificate)
    site = web.TCPSite(runner, settings.host, settings.port, ssl_context=context)
    try:
        await site.start()
    except OSError as exc:
        await runner.cleanup()
        from simulator.errors import ConfigError

        reason = "is in use" if exc.errno == errno.EADDRINUSE else f"cannot be opened ({exc.strerror})"
        raise ConfigError(f"port {settings.port} on {settings.host} {reason}: stop what holds it, or pick another "
                          "with --port N (--port 0 picks a free one)") from None
    stop = asyncio.Event()
    loop = asyncio.get_running_loop()
    for signum in (signal.SIGINT, signal.SIGTERM):
        loop.add_signal_handler(signum, stop.set)
    _banner(settings, runner.addresses[0][1], certificate)
    try:
        await stop.wait()
    finally:
        await runner.cleanup()
    print("mtdsim: stopped", flush=True)


def _tune_collector() -> None:
    """Fewer garbage collections on the ingest path, for a long-running server process only.

    A batch of 1000 reports builds ~15,000 short-lived containers: at CPython's default threshold (700) that is ~20
    young collections per batch, and what they promote makes a full collection come every few batches. What start-up
    loaded is moved out of the collector's sight and young collections wait for 50,000 allocations: ~8% fewer
    instructions per 1000-report batch (callgrind, loadtests/README.md).
    """
    import gc

    gc.collect()
    gc.freeze()
    gc.set_threshold(50_000, 20, 100)


def _banner(settings: Any, port: int, certificate: Any) -> None:
    import asyncio

    host = settings.host if ":" not in settings.host else f"[{settings.host}]"
    scheme = "http" if certificate is None else "https"
    loop = type(asyncio.get_running_loop()).__module__.partition(".")[0]  # "uvloop" or "asyncio"
    lines = [f"mtdsim serving on {scheme}://{host}:{port}", f"  seed          {settings.seed}",
             f"  event loop    {loop}", f"  control key   {settings.control_key}  (header X-Mtdsim-Control-Key)"]
    for tenant in settings.config.tenants:
        lines.append(f"  tenant        {tenant.id}  {tenant.display_name}")
        for app in tenant.apps:
            owner = f" ({app.partner_key or app.connector_id})" if app.kind == "partner" else ""
            lines.append(f"    {app.kind:<7} app  client id {app.client_id}  secret {app.client_secret}{owner}")
    if settings.state_dir is not None:
        lines.append(f"  state         {settings.state_dir}  (checkpoint every {settings.checkpoint_interval:g} s)")
    lines.append(f"  token URL     {scheme}://{host}:{port}/<tenant id>/oauth2/v2.0/token")
    lines.append(f"  authority     {scheme}://{host}:{port}/<tenant id>  (MSAL, azure-identity)")
    if certificate is not None and certificate.ca_file is not None:
        lines.append(f"  trust CA      {certificate.ca_file}")
        lines.append("                (REQUESTS_CA_BUNDLE / SSL_CERT_FILE / NODE_EXTRA_CA_CERTS, or --ca of mtdsim's"
                     " clients)")
    lines.append(f"  OpenAPI       {scheme}://{host}:{port}/openapi.json")  # last: tests wait for this line
    print("\n".join(lines), flush=True)
