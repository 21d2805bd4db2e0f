"""Access tokens: HS256 JWTs signed with the app's own key, expiry judged on the virtual clock.

Decoded tokens are cached (bounded), so a partner's thousandth call costs two dict lookups and a comparison.
"""

from __future__ import annotations

import uuid
from collections.abc import Mapping
from dataclasses import dataclass
from datetime import UTC, datetime
from typing import TYPE_CHECKING, Any

import jwt

from simulator.errors import Unauthorized

if TYPE_CHECKING:
    from simulator.service.state import AppRegistration

__all__ = ["GRAPH_AUDIENCE", "Claims", "TokenCache", "issue_token", "roles_for"]

GRAPH_AUDIENCE = "https://graph.microsoft.com"
_PARTNER_ROLES = ("MobileThreatDefense.Partner.ReadWrite",)  # modelled: the partner channel is private
_ADMIN_ROLES = (
    "DeviceManagementServiceConfig.ReadWrite.All",
    "DeviceManagementConfiguration.ReadWrite.All",
    "DeviceManagementManagedDevices.Read.All",
    "Policy.Read.All",
)
_CODE = "InvalidAuthenticationToken"
_SIGNATURE = 43  # characters of an HS256 signature in base64url


@dataclass(frozen=True, slots=True)
class Claims:
    tenant_id: str
    client_id: str
    kind: str
    connector_id: str | None
    expires_at: datetime  # compared with the virtual clock
    signing_key: bytes  # the key that verified it: a re-registered app invalidates old tokens


def roles_for(kind: str) -> list[str]:
    return list(_PARTNER_ROLES if kind == "partner" else _ADMIN_ROLES)


def issue_token(app: AppRegistration, now: datetime, lifetime: int) -> str:
    issued = int(now.timestamp())
    claims: dict[str, Any] = {
        "aud": GRAPH_AUDIENCE,
        "iss": f"https://sts.windows.net/{app.tenant_id}/",
        "tid": app.tenant_id,
        "appid": app.client_id,
        "azp": app.client_id,
        "roles": roles_for(app.kind),
        "iat": issued,
        "nbf": issued,
        "exp": issued + lifetime,
        "uti": str(uuid.uuid4()),  # makes every token distinct, as Entra's are
        "mtdsim_kind": app.kind,
    }
    if app.connector_id is not None:
        claims["mtdsim_connector"] = app.connector_id
    return jwt.encode(claims, app.signing_key, algorithm="HS256")


class TokenCache:
    """Verify bearer tokens against the registered apps, remembering the decoded ones.

    Keyed by the token's signature (its last 43 characters, HS256 in base64url) and checked against the whole token:
    hashing a 400-character token on every request cost more than the rest of the lookup.
    """

    def __init__(self, size: int) -> None:
        self._size = size
        self._claims: dict[str, tuple[str, Claims]] = {}

    def clear(self) -> None:
        self._claims.clear()

    def verify(self, token: str, apps: Mapping[tuple[str, str], AppRegistration], now: datetime) -> Claims:
        """Claims of a valid, unexpired token of a still-registered app; else ``Unauthorized``."""
        claims = self.peek(token)
        if claims is None:
            claims = _decode(token, apps)
            if len(self._claims) >= self._size:
                del self._claims[next(iter(self._claims))]  # oldest first; tokens are reused in order
            self._claims[token[-_SIGNATURE:]] = (token, claims)
        app = apps.get((claims.tenant_id, claims.client_id))
        if app is None or app.signing_key is not claims.signing_key:
            raise Unauthorized(_CODE, "The app that owns this token is no longer registered in the tenant.")
        if now >= claims.expires_at:
            raise Unauthorized(_CODE, "Lifetime validation failed, the token is expired.")
        return claims

    def peek(self, token: str) -> Claims | None:
        """Cached claims without any check, for fault matching and throttling; None if not seen yet."""
        cached = self._claims.get(token[-_SIGNATURE:])
        return cached[1] if cached is not None and cached[0] == token else None


def _decode(token: str, apps: Mapping[tuple[str, str], AppRegistration]) -> Claims:
    try:
        unverified = jwt.decode(token, options={"verify_signature": False})
        app = apps.get((str(unverified.get("tid")), str(unverified.get("appid"))))
        if app is None:
            raise Unauthorized(_CODE, "Access token validation failure: unknown tenant or application.")
        payload = jwt.decode(
            token,
            app.signing_key,
            algorithms=["HS256"],
            audience=[GRAPH_AUDIENCE, "00000003-0000-0000-c000-000000000000"],
            # Time claims are judged against the virtual clock by the caller, not against wall time.
            options={"verify_exp": False, "verify_nbf": False, "verify_iat": False, "require": ["exp", "tid"]},
        )
    except jwt.InvalidSignatureError:
        raise Unauthorized(_CODE, "Access token validation failure: signature verification failed.") from None
    except jwt.InvalidAudienceError:
        raise Unauthorized(_CODE, "Access token validation failure. Invalid audience.") from None
    except (jwt.PyJWTError, UnicodeError):  # UnicodeError: a header with non-UTF-8 bytes (kept as surrogates)
        raise Unauthorized(_CODE, "IDX14100: JWT is not well formed.") from None
    return Claims(
        tenant_id=str(payload["tid"]),
        client_id=str(payload.get("appid")),
        kind=str(payload.get("mtdsim_kind", "")),
        connector_id=payload.get("mtdsim_connector"),
        expires_at=_expiry(payload["exp"]),
        signing_key=app.signing_key,
    )


def _expiry(exp: Any) -> datetime:
    try:
        seconds = float(exp)
        return datetime.fromtimestamp(seconds, UTC)
    except (TypeError, ValueError, OverflowError, OSError):
        # A token issued near the clock's end (year 9999) with a long lifetime expires past what datetime holds:
        # it is valid until the end of time, not never (it was issued by us, so exp is a number).
        if isinstance(exp, int | float) and seconds > 0 and seconds != float("inf"):
            return datetime.max.replace(tzinfo=UTC)
        raise Unauthorized(_CODE, "IDX14100: JWT is not well formed: exp is not a time.") from None
