"""The key material a restart must keep, as JSON: token signing keys and apps' registered certificates.

Saved so tokens issued before a restart still verify after it, and certificate credentials still work. The state
directory and snapshots therefore hold private keys: treat them like the secrets ``mtdsim serve`` prints.
"""

from __future__ import annotations

from datetime import datetime
from typing import Any

from cryptography.hazmat.primitives import serialization
from cryptography.hazmat.primitives.asymmetric import rsa

from simulator.entra.credentials import AppCertificate, load_certificate
from simulator.entra.keys import KeySet, SigningKey
from simulator.errors import InvalidRequest
from simulator.store.codec import register

__all__ = ["decode_keys", "install_keys", "keys_document"]


def _encode_key(key: SigningKey) -> dict[str, Any]:
    pem = key.private_key.private_bytes(serialization.Encoding.PEM, serialization.PrivateFormat.PKCS8,
                                        serialization.NoEncryption())  # fmt: skip
    return {"kid": key.kid, "privateKey": pem.decode(), "certificate": key.certificate_der.hex(),
            "created": key.created.isoformat()}  # fmt: skip


def _decode_key(data: dict[str, Any]) -> SigningKey:
    try:
        private = serialization.load_pem_private_key(data["privateKey"].encode(), password=None)
        certificate = bytes.fromhex(data["certificate"])
        created = datetime.fromisoformat(data["created"])
    except (ValueError, TypeError, KeyError, AttributeError):
        raise InvalidRequest("invalidRequest", "a signing key is not a PEM private key",
                             target="/signingKeys") from None  # fmt: skip
    if not isinstance(private, rsa.RSAPrivateKey):
        raise InvalidRequest("invalidRequest", "signing keys are RSA keys", target="/signingKeys")
    return SigningKey(str(data["kid"]), private, certificate, created)


# An app's certificates travel as their PEM text: the parsed public key is rebuilt from it.
register(AppCertificate, lambda certificate: certificate.pem, load_certificate)


def keys_document(keys: KeySet) -> dict[str, Any]:
    return {"active": keys.active.kid, "keys": [_encode_key(k) for k in keys.keys_list()]}


def decode_keys(document: dict[str, Any]) -> tuple[list[SigningKey], SigningKey]:
    """(the saved keys, the active one) of a snapshot's ``signingKeys``."""
    saved = [_decode_key(k) for k in document["keys"]]
    active = next((k for k in saved if k.kid == document["active"]), None)
    if active is None:
        raise InvalidRequest("invalidRequest", "the active signing key is not among the keys", target="/signingKeys")
    return saved, active


def install_keys(keys: KeySet, saved: list[SigningKey], active: SigningKey) -> None:
    """Make ``keys`` publish exactly ``saved``, ``active`` active (in place: the token cache holds this KeySet)."""
    for key in saved:
        keys.rotate(key)
    keys.rotate(active)
    kept = {k.kid for k in saved}
    for key in keys.keys_list():
        if key.kid not in kept:
            keys.remove(key.kid)
