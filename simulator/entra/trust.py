"""Client side of TLS: the SSL context our own clients (consoles, ``mtdsim run/report/simulate``) use for an
https target, trusting the CA file given with ``--ca`` (or ``MTDSIM_CA``).

Without a CA file the default context applies (the system store; OpenSSL also honours ``SSL_CERT_FILE``). Kept free
of cryptography imports: every client imports it.
"""

from __future__ import annotations

import os
import ssl
from pathlib import Path

import aiohttp

from simulator.errors import ConfigError

__all__ = ["CA_ENV", "ca_from_env", "client_connector", "client_ssl_context"]

CA_ENV = "MTDSIM_CA"


def client_ssl_context(ca_file: str | Path | None) -> ssl.SSLContext | None:
    """A verifying context trusting ``ca_file``; None for the default context (no CA file given)."""
    if not ca_file:
        return None
    try:
        return ssl.create_default_context(cafile=str(ca_file))
    except (OSError, ssl.SSLError) as exc:
        raise ConfigError(f"cannot load the CA file: {exc}", path=ca_file) from exc


def client_connector(ca_file: str | Path | None) -> aiohttp.TCPConnector | None:
    """An aiohttp connector trusting ``ca_file`` (call it inside a running event loop); None: aiohttp's default."""
    context = client_ssl_context(ca_file)
    return aiohttp.TCPConnector(ssl=context) if context is not None else None


def ca_from_env(given: str | None) -> str | None:
    """``--ca`` if given, else ``MTDSIM_CA``."""
    return given or os.environ.get(CA_ENV) or None
