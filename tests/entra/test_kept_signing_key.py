"""``mtdsim serve`` keeps its token signing key like its TLS CA, so a restart keeps tokens verifying and starts fast."""

from __future__ import annotations

import json
import os
import subprocess
import sys
import urllib.parse
import urllib.request
from pathlib import Path

import jwt
import pytest
from cryptography.hazmat.primitives import serialization
from cryptography.hazmat.primitives.asymmetric import ec, rsa

from simulator.entra.keyfile import KEY_FILE, kept_signing_key, read_signing_key
from simulator.entra.keys import new_signing_key
from simulator.errors import ConfigError
from simulator.service.config import DEMO_PARTNER_CLIENT_ID, DEMO_PARTNER_SECRET, DEMO_TENANT_ID

from ..service.test_serve import start_serve


def _private_pem(key: rsa.RSAPrivateKey | ec.EllipticCurvePrivateKey) -> bytes:
    return key.private_bytes(serialization.Encoding.PEM, serialization.PrivateFormat.PKCS8,
                             serialization.NoEncryption())  # fmt: skip


def test_the_signing_key_is_made_once_private_to_its_owner_and_read_back_with_the_same_kid(tmp_path):
    first = kept_signing_key(tmp_path / "mtdsim")
    kept = tmp_path / "mtdsim" / KEY_FILE
    assert oct(kept.stat().st_mode & 0o777) == "0o600"
    again = kept_signing_key(tmp_path / "mtdsim")
    assert again.kid == first.kid and again.certificate_der == first.certificate_der
    assert again.private_key.private_numbers() == first.private_key.private_numbers()
    assert [p.name for p in kept.parent.iterdir()] == [KEY_FILE]  # no temporary file left behind


def test_a_first_start_that_loses_the_race_uses_the_key_the_winner_kept(tmp_path, monkeypatch):
    directory = tmp_path / "mtdsim"
    winner = kept_signing_key(tmp_path / "elsewhere")
    directory.mkdir()
    real_link = os.link

    def racing_link(source: str, target: str) -> None:  # the other start writes its file between check and link
        (tmp_path / "elsewhere" / KEY_FILE).replace(target)
        real_link(source, target)

    monkeypatch.setattr(os, "link", racing_link)
    assert kept_signing_key(directory).kid == winner.kid


def test_a_users_key_without_a_certificate_gets_the_same_kid_on_every_read(tmp_path):
    pem = tmp_path / "mine.pem"
    pem.write_bytes(_private_pem(new_signing_key().private_key))
    first, second = read_signing_key(pem), read_signing_key(pem)
    assert first.kid == second.kid and first.certificate_der == second.certificate_der


@pytest.mark.parametrize(("content", "message"), [
    (b"not a key", "not an unencrypted PEM private key"),
    (_private_pem(ec.generate_private_key(ec.SECP256R1())), "must be an RSA key"),
])  # fmt: skip
def test_a_signing_key_file_that_is_not_an_rsa_key_is_a_config_error_naming_the_file(tmp_path, content, message):
    pem = tmp_path / "bad.pem"
    pem.write_bytes(content)
    with pytest.raises(ConfigError, match=message) as raised:
        read_signing_key(pem)
    assert raised.value.path == pem


def test_a_certificate_beside_the_key_that_belongs_to_another_key_is_refused(tmp_path):
    kept_signing_key(tmp_path / "a")
    other = kept_signing_key(tmp_path / "b")
    mixed = tmp_path / "mixed.pem"
    certificate = (tmp_path / "b" / KEY_FILE).read_bytes().split(b"-----END PRIVATE KEY-----\n")[1]
    mixed.write_bytes(_private_pem(new_signing_key().private_key) + certificate)
    with pytest.raises(ConfigError, match="for another key"):
        read_signing_key(mixed)
    assert read_signing_key(tmp_path / "b" / KEY_FILE).kid == other.kid


def _token(url: str) -> str:
    form = urllib.parse.urlencode({"grant_type": "client_credentials", "client_id": DEMO_PARTNER_CLIENT_ID,
                                   "client_secret": DEMO_PARTNER_SECRET,
                                   "scope": "https://graph.microsoft.com/.default"}).encode()  # fmt: skip
    with urllib.request.urlopen(f"{url}/{DEMO_TENANT_ID}/oauth2/v2.0/token", data=form, timeout=10) as response:
        token: str = json.loads(response.read())["access_token"]
        return token


def _jwks(url: str) -> dict[str, object]:
    with urllib.request.urlopen(f"{url}/{DEMO_TENANT_ID}/discovery/v2.0/keys", timeout=10) as response:
        jwks: dict[str, object] = json.loads(response.read())
        return jwks


def _stop(process: subprocess.Popen[str]) -> None:
    process.terminate()
    process.communicate(timeout=15)


@pytest.mark.slow
def test_a_token_issued_before_a_restart_verifies_against_the_keys_published_after_it(tmp_path, monkeypatch):
    monkeypatch.setenv("XDG_DATA_HOME", str(tmp_path))
    process, url, _ = start_serve()
    try:
        token = _token(url)
    finally:
        _stop(process)
    assert (tmp_path / "mtdsim" / KEY_FILE).exists()
    process, url, _ = start_serve()
    try:
        jwks = jwt.PyJWKSet.from_dict(_jwks(url))
    finally:
        _stop(process)
    kid = jwt.get_unverified_header(token)["kid"]
    signing = next(key for key in jwks.keys if key.key_id == kid)
    claims = jwt.decode(token, signing.key, algorithms=["RS256"], options={"verify_aud": False})
    assert claims["tid"] == DEMO_TENANT_ID


@pytest.mark.slow
def test_serve_signs_with_the_key_signing_key_names(tmp_path, monkeypatch):
    monkeypatch.setenv("XDG_DATA_HOME", str(tmp_path / "data"))
    pem = tmp_path / "mine.pem"
    pem.write_bytes(_private_pem(new_signing_key().private_key))
    process, url, _ = start_serve("--signing-key", str(pem))
    try:
        token = _token(url)
    finally:
        _stop(process)
    assert jwt.get_unverified_header(token)["kid"] == read_signing_key(pem).kid
    assert not (tmp_path / "data").exists()  # your own key: nothing kept in the data directory


def test_serve_with_an_unreadable_signing_key_exits_2_naming_the_file(tmp_path):
    missing = tmp_path / "missing.pem"
    result = subprocess.run([sys.executable, "-m", "simulator", "serve", "--port", "0", "--signing-key", str(missing)],
                            capture_output=True, text=True, timeout=30, check=False)
    assert result.returncode == 2
    assert f"{missing}: cannot read the token signing key" in result.stderr


async def test_mocks_built_in_process_share_one_key_and_touch_no_disk(tmp_path, monkeypatch, aiohttp_client):
    from simulator.service import Settings, create_app
    from simulator.service.keys import STATE

    monkeypatch.setenv("XDG_DATA_HOME", str(tmp_path))
    first, second = await aiohttp_client(create_app(Settings())), await aiohttp_client(create_app(Settings()))
    assert first.app[STATE].keys.active is second.app[STATE].keys.active
    assert list(Path(tmp_path).iterdir()) == []
