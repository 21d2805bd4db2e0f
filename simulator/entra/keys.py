"""Token signing keys: RSA keys published as a JWKS, one active, older ones still verifying until removed.

As Entra's, each key comes with a self-signed certificate (``x5c``) and its ``kid`` is the certificate's SHA-1
thumbprint in base64url (the same value as ``x5t``). Generating an RSA key costs ~0.15 s, so the first key of every
mock is mtdsim's built-in key (``default_key``: no start-up cost, no randomness); rotation makes fresh ones.
"""

from __future__ import annotations

import base64
import functools
from dataclasses import dataclass, field
from datetime import UTC, datetime, timedelta
from typing import Any

from cryptography import x509
from cryptography.hazmat.primitives import hashes, serialization
from cryptography.hazmat.primitives.asymmetric import rsa
from cryptography.x509.oid import NameOID

from simulator.errors import Conflict, NotFound

__all__ = ["KeySet", "SigningKey", "b64url", "new_signing_key"]


def b64url(data: bytes) -> str:
    return base64.urlsafe_b64encode(data).rstrip(b"=").decode()


def _b64url_int(value: int) -> str:
    return b64url(value.to_bytes((value.bit_length() + 7) // 8, "big"))


@dataclass(frozen=True, slots=True)
class SigningKey:
    kid: str
    private_key: rsa.RSAPrivateKey = field(repr=False)
    certificate_der: bytes = field(repr=False)
    created: datetime

    @property
    def public_key(self) -> rsa.RSAPublicKey:
        return self.private_key.public_key()

    def jwk(self, issuer: str | None) -> dict[str, Any]:
        """The key as Entra's JWKS lists it; v2 key sets add the tenant's ``issuer``, v1 ones do not."""
        numbers = self.public_key.public_numbers()
        jwk = {
            "kty": "RSA",
            "use": "sig",
            "kid": self.kid,
            "x5t": self.kid,
            "n": _b64url_int(numbers.n),
            "e": _b64url_int(numbers.e),
            "x5c": [base64.b64encode(self.certificate_der).decode()],
            "cloud_instance_name": "microsoftonline.com",
        }
        return jwk if issuer is None else {**jwk, "issuer": issuer}


def new_signing_key(now: datetime | None = None) -> SigningKey:
    now = now or datetime.now(UTC)
    key = rsa.generate_private_key(public_exponent=65537, key_size=2048)
    name = x509.Name([x509.NameAttribute(NameOID.COMMON_NAME, "mtdsim token signing")])
    certificate = (
        x509.CertificateBuilder()
        .subject_name(name)
        .issuer_name(name)
        .public_key(key.public_key())
        .serial_number(x509.random_serial_number())
        .not_valid_before(now - timedelta(days=1))
        .not_valid_after(now + timedelta(days=5 * 365))
        .sign(key, hashes.SHA256())
    )
    der = certificate.public_bytes(serialization.Encoding.DER)
    thumbprint = certificate.fingerprint(hashes.SHA1())  # Entra's kid/x5t is the SHA-1 thumbprint
    return SigningKey(b64url(thumbprint), key, der, now)


@functools.cache
def _process_key() -> SigningKey:
    """The built-in key (simulator/entra/default_key.py): same cost at every start-up, nothing random."""
    from simulator.entra.default_key import CERTIFICATE_DER_B64, PRIVATE_KEY_PEM

    key = serialization.load_pem_private_key(PRIVATE_KEY_PEM.encode(), password=None)
    assert isinstance(key, rsa.RSAPrivateKey)
    der = base64.b64decode(CERTIFICATE_DER_B64)
    thumbprint = x509.load_der_x509_certificate(der).fingerprint(hashes.SHA1())
    return SigningKey(b64url(thumbprint), key, der, datetime(2026, 1, 1, tzinfo=UTC))


class KeySet:
    """The published signing keys of one mock: ``active`` signs new tokens, every listed key verifies."""

    def __init__(self, first: SigningKey | None = None) -> None:
        first = first or _process_key()
        self._keys: dict[str, SigningKey] = {first.kid: first}
        self.active = first

    def __contains__(self, kid: object) -> bool:
        return kid in self._keys

    def get(self, kid: object) -> SigningKey | None:
        return self._keys.get(kid) if isinstance(kid, str) else None

    def keys_list(self) -> list[SigningKey]:
        return list(self._keys.values())

    def rotate(self, key: SigningKey | None = None) -> SigningKey:
        """A new active key; the previous ones stay published, so tokens they signed still verify."""
        key = key or new_signing_key()
        self._keys[key.kid] = key
        self.active = key
        return key

    def remove(self, kid: str) -> None:
        """Unpublish a key: tokens it signed stop verifying. The active key cannot go (rotate first)."""
        if kid not in self._keys:
            raise NotFound("itemNotFound", f"no signing key {kid!r}")
        if kid == self.active.kid:
            raise Conflict("activeKey", "the active signing key cannot be removed; rotate first")
        del self._keys[kid]

    def jwks(self, issuer: str | None) -> dict[str, Any]:
        return {"keys": [key.jwk(issuer) for key in self._keys.values()]}
