"""Access tokens: RS256 JWTs with Entra's claim sets (``simulator.entra.claims``), signed by the mock's published
key (``kid`` from its JWKS); ``nbf`` and ``exp`` judged on the virtual clock.

Decoded tokens are cached (bounded), so a partner's thousandth call costs two dict lookups and a few comparisons:
RSA verification runs once per token, not per request. The cached path still checks what can change after a
token was issued: the app's registration (``rh``), the signing key still being published, and the clock.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass
from datetime import UTC, datetime
from typing import TYPE_CHECKING, Any

import jwt

from simulator.entra.claims import (
    GRAPH_APP_ID,
    GRAPH_AUDIENCE,
    AppIdentity,
    Credential,
    TokenVersion,
    access_token_claims,
    issuer,
    registration_handle,
)
from simulator.entra.keys import KeySet, SigningKey
from simulator.errors import Unauthorized

if TYPE_CHECKING:
    from simulator.service.state import AppRegistration

__all__ = ["GRAPH_AUDIENCE", "TAIL", "Claims", "TokenCache", "app_display_name", "issue_token", "roles_for"]

_PARTNER_ROLES = ("MobileThreatDefense.Partner.ReadWrite",)  # modelled: the partner channel is private
_ADMIN_ROLES = (
    "DeviceManagementServiceConfig.ReadWrite.All",
    "DeviceManagementConfiguration.ReadWrite.All",
    "DeviceManagementManagedDevices.Read.All",
    "Policy.Read.All",
)
_CODE = "InvalidAuthenticationToken"
TAIL = 43  # cache key: the token's last 43 characters, all signature


@dataclass(frozen=True, slots=True)
class Claims:
    tenant_id: str
    client_id: str
    kind: str
    connector_id: str | None
    not_before: datetime  # compared with the virtual clock
    expires_at: datetime
    registration: str  # the app registration it was issued to: a re-registered app invalidates old tokens
    kid: str  # the key that verified it: removing the key from the JWKS invalidates the token


def roles_for(kind: str) -> list[str]:
    return list(_PARTNER_ROLES if kind == "partner" else _ADMIN_ROLES)


def app_display_name(app: AppRegistration) -> str:
    """``app_displayname`` (modelled: mtdsim's apps have no names of their own)."""
    if app.kind == "partner":
        return f"mtdsim partner app ({app.partner_key or app.connector_id})"
    return "mtdsim admin app"


def issue_token(app: AppRegistration, key: SigningKey, now: datetime, lifetime: int, *, version: TokenVersion = 1,
                credential: Credential = "secret") -> str:  # fmt: skip
    identity = AppIdentity(app.tenant_id, app.client_id, app_display_name(app), app.registration, roles_for(app.kind))
    claims = access_token_claims(identity, version=version, credential=credential, now=now, lifetime=lifetime)
    # Entra's header: typ, alg, x5t and kid (x5t carries the same thumbprint, for older validators).
    return jwt.encode(claims, key.private_key, algorithm="RS256", headers={"kid": key.kid, "x5t": key.kid})


class TokenCache:
    """Verify bearer tokens against the published keys and registered apps, remembering the decoded ones.

    Keyed by the token's tail (signature characters) and checked against the whole token: hashing a 1,300-character
    token on every request would cost more than the rest of the lookup.
    """

    def __init__(self, size: int, keys: KeySet) -> None:
        self._size = size
        self._keys = keys
        self._claims: dict[str, tuple[str, Claims]] = {}
        # Callers a route check built from a verified token, by the Authorization header's tail (see ``remember``).
        self.callers: dict[str, tuple[Any, ...]] = {}

    def clear(self) -> None:
        self._claims.clear()
        self.callers.clear()

    def remember(self, header: str, entry: tuple[Any, ...]) -> None:
        """Keep ``entry`` (the header first, then what the route check needs to re-check and answer, see
        ``simulator.service.auth``) for the next request with this Authorization header; bounded like the claims."""
        if len(self.callers) >= self._size:
            del self.callers[next(iter(self.callers))]
        self.callers[header[-TAIL:]] = entry

    def verify(self, token: str, apps: Mapping[tuple[str, str], AppRegistration], now: datetime) -> Claims:
        """Claims of a valid, current token of a still-registered app; else ``Unauthorized``."""
        claims = self.peek(token)
        if claims is None:
            claims = _decode(token, apps, self._keys)
            if len(self._claims) >= self._size:
                del self._claims[next(iter(self._claims))]  # oldest first; tokens are reused in order
            self._claims[token[-TAIL:]] = (token, claims)
        app = apps.get((claims.tenant_id, claims.client_id))
        if app is None or app.registration != claims.registration:
            raise Unauthorized(_CODE, "The app that owns this token is no longer registered in the tenant.")
        if claims.kid not in self._keys:
            raise Unauthorized(_CODE, "IDX10503: Signature validation failed. The token's signing key (kid) is no "
                                      "longer published.")  # fmt: skip
        if now >= claims.expires_at:
            raise Unauthorized(_CODE, "Lifetime validation failed, the token is expired.")
        if now < claims.not_before:
            raise Unauthorized(_CODE, "IDX10222: Lifetime validation failed. The token is not yet valid (nbf).")
        return claims

    def peek(self, token: str) -> Claims | None:
        """Cached claims without any check, for fault matching and throttling; None if not seen yet."""
        cached = self._claims.get(token[-TAIL:])
        return cached[1] if cached is not None and cached[0] == token else None


def _decode(token: str, apps: Mapping[tuple[str, str], AppRegistration], keys: KeySet) -> Claims:
    try:
        kid = jwt.get_unverified_header(token).get("kid")
        key = keys.get(kid)
        if key is None:
            raise Unauthorized(_CODE, "IDX10503: Signature validation failed. No published key matches the "
                                      "token's kid.")  # fmt: skip
        payload = jwt.decode(
            token,
            key.public_key,
            algorithms=["RS256"],
            audience=[GRAPH_AUDIENCE, GRAPH_APP_ID],
            # Time claims are judged against the virtual clock by the caller, not against wall time.
            options={"verify_exp": False, "verify_nbf": False, "verify_iat": False,
                     "require": ["exp", "nbf", "tid", "iss", "ver", "rh"]},
        )
    except jwt.InvalidSignatureError:
        raise Unauthorized(_CODE, "Access token validation failure: signature verification failed.") from None
    except jwt.InvalidAudienceError:
        raise Unauthorized(_CODE, "Access token validation failure. Invalid audience.") from None
    except (jwt.PyJWTError, UnicodeError):  # UnicodeError: a header with non-UTF-8 bytes (kept as surrogates)
        raise Unauthorized(_CODE, "IDX14100: JWT is not well formed.") from None
    tenant_id, version = str(payload["tid"]), 2 if payload["ver"] == "2.0" else 1
    if payload["iss"] != issuer(version, tenant_id):
        raise Unauthorized(_CODE, "IDX10205: Issuer validation failed.")
    client_id = str(payload.get("azp" if version == 2 else "appid"))
    app = apps.get((tenant_id, client_id))
    if app is None or payload["rh"] != registration_handle(app.registration):
        raise Unauthorized(_CODE, "Access token validation failure: unknown tenant or application.")
    return Claims(
        tenant_id=tenant_id,
        client_id=client_id,
        kind=app.kind,
        connector_id=app.connector_id,
        not_before=_time(payload["nbf"]),
        expires_at=_time(payload["exp"]),
        registration=app.registration,
        kid=key.kid,
    )


def _time(value: Any) -> datetime:
    try:
        return datetime.fromtimestamp(float(value), UTC)
    except (TypeError, ValueError, OverflowError, OSError):
        # A token issued near the clock's end (year 9999) with a long lifetime expires past what datetime holds:
        # it is valid until the end of time, not never (it was issued by us, so the claim is a positive number).
        if isinstance(value, int | float) and not isinstance(value, bool) and 0 < value < float("inf"):
            return datetime.max.replace(tzinfo=UTC)
        raise Unauthorized(_CODE, "IDX14100: JWT is not well formed: a time claim is not a time.") from None
