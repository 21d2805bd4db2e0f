"""Keys for the ``/_sim`` control API. A module of its own, free of the service's imports, so the load-test
tooling that starts ``mtdsim serve`` with a key of its choosing makes it the same way (and without aiohttp)."""

from __future__ import annotations

import secrets

__all__ = ["new_control_key"]


def new_control_key() -> str:
    """A fresh key for the ``/_sim`` control API (printed by ``mtdsim serve``).

    Never one that starts with "-": a URL-safe token does one time in 64, and ``--control-key -Xy...`` is then read
    as a missing value followed by an unknown option, by argparse and by Locust alike.
    """
    while (key := secrets.token_urlsafe(18)).startswith("-"):
        pass
    return key
