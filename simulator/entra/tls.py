"""The local TLS CA of ``mtdsim serve --tls``: made once, kept, and a server certificate it signs.

Files live in ``--tls-dir`` (default ``$XDG_DATA_HOME/mtdsim/tls``, else ``~/.local/share/mtdsim/tls``): ``ca.pem``
(the file clients trust), ``ca-key.pem``, ``server.pem``, ``server-key.pem`` (keys mode 0600). The server
certificate is made again only when it is missing, does not name a requested host, was not signed by this CA, or
expires within 30 days; so after the first run, start-up reads four small files. Keys are ECDSA P-256: generating
one takes about a millisecond, where RSA 2048 takes ~0.15 s, and Java, .NET, Node, OpenSSL all accept them.
"""

from __future__ import annotations

import ipaddress
import os
import ssl
from collections.abc import Iterable
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from pathlib import Path

from cryptography import x509
from cryptography.exceptions import InvalidSignature
from cryptography.hazmat.primitives import hashes, serialization
from cryptography.hazmat.primitives.asymmetric import ec
from cryptography.x509.oid import ExtendedKeyUsageOID, NameOID

from simulator.errors import ConfigError

__all__ = ["ServerCertificate", "default_tls_dir", "local_certificate", "server_ssl_context"]

_LOCAL_HOSTS = ("localhost", "127.0.0.1", "::1")
_RENEW_BEFORE = timedelta(days=30)


@dataclass(frozen=True, slots=True)
class ServerCertificate:
    cert_file: Path
    key_file: Path
    ca_file: Path | None  # None: the user's own certificate, whose CA we do not know


def default_tls_dir() -> Path:
    data = os.environ.get("XDG_DATA_HOME") or str(Path.home() / ".local" / "share")
    return Path(data) / "mtdsim" / "tls"


def local_certificate(directory: Path, hosts: Iterable[str] = ()) -> ServerCertificate:
    """The kept CA (made on first use) and a server certificate for localhost plus ``hosts``."""
    names = sorted({*_LOCAL_HOSTS, *(h for h in hosts if h not in ("", "0.0.0.0", "::"))})
    try:
        directory.mkdir(parents=True, exist_ok=True)
        ca_cert, ca_key = _ca(directory)
        cert_file, key_file = directory / "server.pem", directory / "server-key.pem"
        if not _usable(cert_file, key_file, ca_cert, names):
            key = ec.generate_private_key(ec.SECP256R1())
            _write(key_file, _key_pem(key), private=True)
            _write(cert_file, _server_certificate(key, ca_cert, ca_key, names).public_bytes(serialization.Encoding.PEM))
    except OSError as exc:
        raise ConfigError(f"cannot keep the TLS files: {exc.strerror}", path=exc.filename or directory) from exc
    return ServerCertificate(cert_file, key_file, directory / "ca.pem")


def server_ssl_context(certificate: ServerCertificate) -> ssl.SSLContext:
    context = ssl.create_default_context(ssl.Purpose.CLIENT_AUTH)
    try:
        context.load_cert_chain(certificate.cert_file, certificate.key_file)
    except (OSError, ssl.SSLError) as exc:
        raise ConfigError(f"cannot load the TLS certificate and key: {exc}", path=certificate.cert_file) from exc
    return context


def _ca(directory: Path) -> tuple[x509.Certificate, ec.EllipticCurvePrivateKey]:
    cert_file, key_file = directory / "ca.pem", directory / "ca-key.pem"
    if cert_file.exists() and key_file.exists():
        key = serialization.load_pem_private_key(key_file.read_bytes(), password=None)
        if isinstance(key, ec.EllipticCurvePrivateKey):
            return x509.load_pem_x509_certificate(cert_file.read_bytes()), key
    key = ec.generate_private_key(ec.SECP256R1())
    name = x509.Name([x509.NameAttribute(NameOID.ORGANIZATION_NAME, "mtdsim"),
                      x509.NameAttribute(NameOID.COMMON_NAME, "mtdsim local CA")])  # fmt: skip
    now = datetime.now(UTC)
    public = key.public_key()
    cert = (
        x509.CertificateBuilder().subject_name(name).issuer_name(name).public_key(public)
        .serial_number(x509.random_serial_number())
        .not_valid_before(now - timedelta(hours=1)).not_valid_after(now + timedelta(days=3650))
        .add_extension(x509.BasicConstraints(ca=True, path_length=0), critical=True)
        .add_extension(x509.KeyUsage(digital_signature=False, content_commitment=False, key_encipherment=False,
                                     data_encipherment=False, key_agreement=False, key_cert_sign=True, crl_sign=True,
                                     encipher_only=False, decipher_only=False), critical=True)
        .add_extension(x509.SubjectKeyIdentifier.from_public_key(public), critical=False)
        .sign(key, hashes.SHA256())
    )  # fmt: skip
    _write(key_file, _key_pem(key), private=True)
    _write(cert_file, cert.public_bytes(serialization.Encoding.PEM))
    return cert, key


def _server_certificate(key: ec.EllipticCurvePrivateKey, ca_cert: x509.Certificate,
                        ca_key: ec.EllipticCurvePrivateKey, names: list[str]) -> x509.Certificate:  # fmt: skip
    now = datetime.now(UTC)
    alternative: list[x509.GeneralName] = []
    for name in names:
        try:
            alternative.append(x509.IPAddress(ipaddress.ip_address(name)))
        except ValueError:
            alternative.append(x509.DNSName(name))
    ca_ski = ca_cert.extensions.get_extension_for_class(x509.SubjectKeyIdentifier).value
    return (
        x509.CertificateBuilder()
        .subject_name(x509.Name([x509.NameAttribute(NameOID.COMMON_NAME, names[0])]))
        .issuer_name(ca_cert.subject).public_key(key.public_key())
        .serial_number(x509.random_serial_number())
        .not_valid_before(now - timedelta(hours=1)).not_valid_after(now + timedelta(days=365))
        .add_extension(x509.BasicConstraints(ca=False, path_length=None), critical=True)
        .add_extension(x509.KeyUsage(digital_signature=True, content_commitment=False, key_encipherment=False,
                                     data_encipherment=False, key_agreement=False, key_cert_sign=False, crl_sign=False,
                                     encipher_only=False, decipher_only=False), critical=True)
        .add_extension(x509.ExtendedKeyUsage([ExtendedKeyUsageOID.SERVER_AUTH]), critical=False)
        .add_extension(x509.SubjectAlternativeName(alternative), critical=False)
        .add_extension(x509.SubjectKeyIdentifier.from_public_key(key.public_key()), critical=False)
        .add_extension(x509.AuthorityKeyIdentifier.from_issuer_subject_key_identifier(ca_ski), critical=False)
        .sign(ca_key, hashes.SHA256())
    )  # fmt: skip


def _usable(cert_file: Path, key_file: Path, ca_cert: x509.Certificate, names: list[str]) -> bool:
    if not (cert_file.exists() and key_file.exists()):
        return False
    try:
        cert = x509.load_pem_x509_certificate(cert_file.read_bytes())
        san = cert.extensions.get_extension_for_class(x509.SubjectAlternativeName).value
    except (ValueError, x509.ExtensionNotFound):
        return False
    present = {str(v) for v in san.get_values_for_type(x509.IPAddress)} | set(san.get_values_for_type(x509.DNSName))
    return (
        cert.issuer == ca_cert.subject
        and set(names) <= present
        and cert.not_valid_after_utc - datetime.now(UTC) > _RENEW_BEFORE
        and _signed_by(cert, ca_cert)
    )


def _signed_by(cert: x509.Certificate, ca_cert: x509.Certificate) -> bool:
    try:
        cert.verify_directly_issued_by(ca_cert)
    except (InvalidSignature, ValueError, TypeError):
        return False
    return True


def _key_pem(key: ec.EllipticCurvePrivateKey) -> bytes:
    return key.private_bytes(serialization.Encoding.PEM, serialization.PrivateFormat.PKCS8,
                             serialization.NoEncryption())  # fmt: skip


def _write(path: Path, data: bytes, *, private: bool = False) -> None:
    """Write beside, then rename: a reader never sees half a file; keys are created 0600."""
    partial = path.with_suffix(path.suffix + ".tmp")
    fd = os.open(partial, os.O_WRONLY | os.O_CREAT | os.O_TRUNC, 0o600 if private else 0o644)
    with os.fdopen(fd, "wb") as handle:
        handle.write(data)
    os.replace(partial, path)
