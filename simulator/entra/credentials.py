"""Client credentials an app proves itself with: a secret (constant-time compare) or a certificate, by a signed
client assertion (RFC 7523 ``private_key_jwt``) exactly as MSAL and azure-identity send it.

An assertion is a JWT signed with the certificate's private key: header ``x5t`` (SHA-1 thumbprint, with RS256) or
``x5t#S256`` (SHA-256 thumbprint, with PS256, MSAL >= 1.35); claims ``aud`` = the token endpoint URL, ``iss`` =
``sub`` = the client id, ``exp``, ``jti``. Its times are the client's own wall clock, so they are checked against
wall time (with Entra's five minutes of skew), not the mock's virtual clock.
"""

from __future__ import annotations

import hmac
import time
from collections.abc import Collection, Sequence
from dataclasses import dataclass, field
from typing import Any

import jwt
from cryptography import x509
from cryptography.hazmat.primitives import hashes
from cryptography.hazmat.primitives.asymmetric.types import PublicKeyTypes

from simulator.entra.keys import b64url
from simulator.errors import InvalidRequest, Unauthorized

__all__ = [
    "ASSERTION_TYPE",
    "AppCertificate",
    "AssertionRejected",
    "load_certificate",
    "secret_matches",
    "verify_client_assertion",
]

ASSERTION_TYPE = "urn:ietf:params:oauth:client-assertion-type:jwt-bearer"
_SKEW = 300.0
_ALGORITHMS = ["RS256", "PS256"]


class AssertionRejected(Unauthorized):
    """A client assertion Entra would refuse: ``aadsts`` is the AADSTS error number to answer with."""

    def __init__(self, aadsts: int, message: str) -> None:
        super().__init__("invalid_client", message)
        self.aadsts = aadsts


@dataclass(frozen=True, slots=True)
class AppCertificate:
    """A certificate registered on an app; thumbprints as MSAL puts them in the assertion header."""

    x5t: str  # base64url SHA-1 thumbprint
    x5t_s256: str  # base64url SHA-256 thumbprint
    thumbprint: str  # SHA-1 hex, upper case, as the Entra portal shows it
    public_key: PublicKeyTypes = field(repr=False)
    pem: str = field(repr=False)

    def to_wire(self) -> dict[str, Any]:
        return {"thumbprint": self.thumbprint, "x5t": self.x5t, "x5tS256": self.x5t_s256}


def load_certificate(pem: str) -> AppCertificate:
    """Parse a PEM certificate; ``InvalidRequest`` (target ``/certificate``) if it is not one."""
    try:
        certificate = x509.load_pem_x509_certificate(pem.encode())
    except ValueError:
        raise InvalidRequest("invalidRequest", "certificate must be a PEM X.509 certificate "
                             "(-----BEGIN CERTIFICATE-----)", target="/certificate") from None  # fmt: skip
    sha1 = certificate.fingerprint(hashes.SHA1())  # Entra's x5t is the SHA-1 thumbprint
    return AppCertificate(b64url(sha1), b64url(certificate.fingerprint(hashes.SHA256())), sha1.hex().upper(),
                          certificate.public_key(), pem)  # fmt: skip


def secret_matches(given: str, expected: str) -> bool:
    """Constant time: how long the comparison takes says nothing about how much of the secret was right."""
    return hmac.compare_digest(given.encode(), expected.encode())


def verify_client_assertion(assertion: str, client_id: str, certificates: Sequence[AppCertificate],
                            audiences: Collection[str], now: float | None = None) -> None:  # fmt: skip
    """Raise ``AssertionRejected`` unless ``assertion`` is a current JWT of ``client_id`` signed by one of its
    registered certificates and addressed to one of ``audiences`` (the token endpoint's URLs)."""
    try:
        header = jwt.get_unverified_header(assertion)
    except jwt.PyJWTError:
        raise AssertionRejected(50027, "JWT token is invalid or malformed.") from None
    certificate = _certificate(header, certificates)
    try:
        claims = jwt.decode(assertion, certificate.public_key, algorithms=_ALGORITHMS,  # type: ignore[arg-type]
                            options={"verify_aud": False, "verify_exp": False, "verify_nbf": False,
                                     "verify_iat": False, "require": ["aud", "iss", "sub", "exp"]})  # fmt: skip
    except jwt.InvalidSignatureError:
        raise AssertionRejected(700027, "Client assertion contains an invalid signature.") from None
    except jwt.PyJWTError as exc:
        raise AssertionRejected(50027, f"JWT token is invalid or malformed: {exc}.") from None
    if claims["iss"] != client_id or claims["sub"] != client_id:
        raise AssertionRejected(700021, "Client assertion application identifier doesn't match 'client_id' "
                                        "parameter.")  # fmt: skip
    if claims["aud"] not in audiences:
        raise AssertionRejected(700212, f"No matching federated identity record found for presented assertion "
                                        f"audience '{claims['aud']}'; use the token endpoint URL.")  # fmt: skip
    _check_times(claims, time.time() if now is None else now)


def _certificate(header: dict[str, Any], certificates: Sequence[AppCertificate]) -> AppCertificate:
    if header.get("alg") not in _ALGORITHMS:
        raise AssertionRejected(5002738, f"Invalid JWT token. '{header.get('alg')}' is not a supported signature "
                                         "algorithm; use RS256 or PS256.")  # fmt: skip
    # MSAL keeps base64url's "=" padding in the thumbprints (RFC 7515 says unpadded): accept both.
    s256, sha1 = _unpadded(header.get("x5t#S256")), _unpadded(header.get("x5t"))
    for certificate in certificates:
        if (s256 is not None and s256 == certificate.x5t_s256) or (sha1 is not None and sha1 == certificate.x5t):
            return certificate
    if s256 is None and sha1 is None:
        raise AssertionRejected(700027, "Client assertion has no x5t or x5t#S256 header naming its certificate.")
    raise AssertionRejected(700027, "Client assertion contains an invalid signature. [Reason - The key was not "
                                    "found., Thumbprint of key used by client: "
                                    f"'{s256 or sha1}']")  # fmt: skip


def _unpadded(thumbprint: object) -> str | None:
    return thumbprint.rstrip("=") if isinstance(thumbprint, str) else None


def _check_times(claims: dict[str, Any], now: float) -> None:
    try:
        expires, not_before = float(claims["exp"]), float(claims.get("nbf", claims.get("iat", now)))
    except (TypeError, ValueError):
        raise AssertionRejected(50027, "JWT token is invalid or malformed: exp/nbf are not times.") from None
    if now - _SKEW >= expires or now + _SKEW < not_before:
        raise AssertionRejected(700024, "Client assertion is not within its valid time range.")
