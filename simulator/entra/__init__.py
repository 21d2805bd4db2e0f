"""Entra ID, as far as clients of the mock need it: signing keys and their JWKS, access-token claim sets, OIDC and
instance discovery, client credentials (secrets and certificate assertions), and the local TLS CA.

Import submodules directly; this package's ``__init__`` stays empty of imports so that ``simulator.entra.trust``
(used by every client) costs no cryptography import.
"""

from __future__ import annotations

__all__: list[str] = []
