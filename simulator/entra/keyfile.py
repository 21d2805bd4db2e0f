"""The token signing key ``mtdsim serve`` keeps, like its TLS CA: made once in mtdsim's data directory, then read.

Why keep it: a fresh RSA-2048 key per start costs ~0.15 s (and a wildly varying amount of work, which spoiled the
instruction counts of loadtests/instructions.py), and tokens issued before a restart would stop verifying. The
file is ``$XDG_DATA_HOME/mtdsim/signing-key.pem`` (else ``~/.local/share/mtdsim/``), mode 0600, holding the private
key and its self-signed certificate (the certificate fixes the ``kid``). ``--signing-key PEM`` names your own file
instead: an RSA private key, with or without a certificate; without one, a certificate is derived from the key
alone, so the ``kid`` is the same on every start.
"""

from __future__ import annotations

import hashlib
import os
import re
import tempfile
from datetime import UTC, datetime, timedelta
from pathlib import Path

from cryptography import x509
from cryptography.hazmat.primitives import hashes, serialization
from cryptography.hazmat.primitives.asymmetric import rsa
from cryptography.x509.oid import NameOID

from simulator.entra.keys import SigningKey, b64url, new_signing_key
from simulator.errors import ConfigError

__all__ = ["KEY_FILE", "default_data_dir", "kept_signing_key", "read_signing_key"]

KEY_FILE = "signing-key.pem"
_PEM_BLOCK = re.compile(rb"-----BEGIN ([A-Z0-9 ]+)-----.+?-----END \1-----\s*", re.DOTALL)
# A derived certificate's fixed validity: the same key always gives the same certificate, hence the same kid.
_DERIVED_FROM, _DERIVED_UNTIL = datetime(2020, 1, 1, tzinfo=UTC), datetime(2049, 12, 31, tzinfo=UTC)


def default_data_dir() -> Path:
    """mtdsim's data directory, chosen as simulator/entra/tls.py chooses the CA's (whose ``tls`` is inside it)."""
    data = os.environ.get("XDG_DATA_HOME") or str(Path.home() / ".local" / "share")
    return Path(data) / "mtdsim"


def kept_signing_key(directory: Path) -> SigningKey:
    """The key kept in ``directory`` (made there on first use, atomically: concurrent first starts agree on one)."""
    path = directory / KEY_FILE
    if path.exists():
        return read_signing_key(path)
    key = new_signing_key()
    try:
        directory.mkdir(parents=True, exist_ok=True)
        descriptor, temporary = tempfile.mkstemp(dir=directory, prefix=".signing-key.", suffix=".tmp")
        try:
            with os.fdopen(descriptor, "wb") as out:  # mkstemp makes it 0600: the key is never readable by others
                out.write(_pem(key))
                out.flush()
                os.fsync(out.fileno())
            try:
                os.link(temporary, path)  # fails if another start won the race: then its key is the kept one
            except FileExistsError:
                return read_signing_key(path)
        finally:
            os.unlink(temporary)
    except OSError as exc:
        raise ConfigError(f"cannot keep the token signing key: {exc.strerror}", path=exc.filename or path) from exc
    return key


def read_signing_key(path: Path) -> SigningKey:
    """An RSA private key from a PEM file, with the certificate in the same file if there is one."""
    try:
        text = path.read_bytes()
    except OSError as exc:
        raise ConfigError(f"cannot read the token signing key: {exc.strerror}", path=path) from exc
    blocks = {match.group(1).decode(): match.group(0) for match in _PEM_BLOCK.finditer(text)}
    private_pem = next((pem for name, pem in blocks.items() if name.endswith("PRIVATE KEY")), None)
    try:
        private = serialization.load_pem_private_key(private_pem or b"", password=None)
    except (ValueError, TypeError):
        raise ConfigError("not an unencrypted PEM private key (a token signing key is an RSA key)", path=path) from None
    if not isinstance(private, rsa.RSAPrivateKey) or private.key_size < 2048:
        raise ConfigError("a token signing key must be an RSA key of at least 2048 bits (RS256)", path=path)
    certificate = _certificate(blocks.get("CERTIFICATE"), private, path)
    der = certificate.public_bytes(serialization.Encoding.DER)
    created = certificate.not_valid_before_utc + timedelta(days=1)  # new_signing_key back-dates by a day
    return SigningKey(b64url(certificate.fingerprint(hashes.SHA1())), private, der, created)


def _certificate(pem: bytes | None, private: rsa.RSAPrivateKey, path: Path) -> x509.Certificate:
    if pem is None:
        return _derived_certificate(private)
    try:
        certificate = x509.load_pem_x509_certificate(pem)
    except ValueError:
        raise ConfigError("the certificate beside the signing key is not a PEM certificate", path=path) from None
    if certificate.public_key() != private.public_key():
        raise ConfigError("the certificate beside the signing key is for another key", path=path)
    return certificate


def _derived_certificate(private: rsa.RSAPrivateKey) -> x509.Certificate:
    """A self-signed certificate that depends on the key only (PKCS#1 v1.5 signatures are deterministic)."""
    public_der = private.public_key().public_bytes(serialization.Encoding.DER,
                                                   serialization.PublicFormat.SubjectPublicKeyInfo)  # fmt: skip
    serial = int.from_bytes(hashlib.sha256(public_der).digest()[:16], "big") >> 1 or 1  # positive, < 2**127
    name = x509.Name([x509.NameAttribute(NameOID.COMMON_NAME, "mtdsim token signing")])
    return (x509.CertificateBuilder().subject_name(name).issuer_name(name).public_key(private.public_key())
            .serial_number(serial).not_valid_before(_DERIVED_FROM).not_valid_after(_DERIVED_UNTIL)
            .sign(private, hashes.SHA256()))  # fmt: skip


def _pem(key: SigningKey) -> bytes:
    private = key.private_key.private_bytes(serialization.Encoding.PEM, serialization.PrivateFormat.PKCS8,
                                            serialization.NoEncryption())  # fmt: skip
    return private + x509.load_der_x509_certificate(key.certificate_der).public_bytes(serialization.Encoding.PEM)
