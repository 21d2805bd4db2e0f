"""Initial tenants, app registrations and devices of a mock instance: the demo set, or a YAML/JSON file.

The file format is documented in docs/configuration.md. Errors name the file and line (``ConfigError``) and suggest
the closest valid key. Devices stay in their wire shape (the control API's enroll shape) and become domain records
when the service state is built, so the file and ``POST /_sim/tenants/{tid}/devices`` share one converter.
"""

from __future__ import annotations

import dataclasses
import difflib
import uuid
from collections.abc import Mapping
from dataclasses import dataclass
from pathlib import Path
from typing import Any, Literal

import yaml

from simulator.domain.catalog import DEMO_PARTNER, find_partner
from simulator.errors import ConfigError, MtdSimError

__all__ = ["AppSpec", "ServiceConfig", "TenantSpec", "app_spec", "demo_config", "load_config"]

DEMO_TENANT_ID = "00000000-0000-4000-8000-000000000001"
DEMO_PARTNER_CLIENT_ID = "00000000-0000-4000-8000-0000000000a1"
DEMO_PARTNER_SECRET = "demo-partner-secret"
DEMO_ADMIN_CLIENT_ID = "00000000-0000-4000-8000-0000000000b1"
DEMO_ADMIN_SECRET = "demo-admin-secret"

AppKind = Literal["partner", "admin"]


@dataclass(frozen=True, slots=True)
class AppSpec:
    """An app registration: a partner app belongs to one connector id, an admin app to none."""

    client_id: str
    client_secret: str
    kind: AppKind
    connector_id: str | None = None
    partner_key: str | None = None  # catalog key; None for a custom partner
    certificates: tuple[str, ...] = ()  # PEM certificates for client assertions (simulator.entra.credentials)


@dataclass(frozen=True, slots=True)
class TenantSpec:
    id: str
    display_name: str
    apps: tuple[AppSpec, ...] = ()
    devices: tuple[Mapping[str, Any], ...] = ()  # enroll wire shape, see docs/configuration.md


@dataclass(frozen=True, slots=True)
class ServiceConfig:
    tenants: tuple[TenantSpec, ...] = ()


def app_spec(
    kind: str,
    *,
    partner: str | None = None,
    connector_id: str | None = None,
    client_id: str | None = None,
    client_secret: str | None = None,
) -> AppSpec:
    """Build an app registration; raises ``MtdSimError`` subclasses the caller locates (file line or 400)."""
    if kind not in ("partner", "admin"):
        raise ConfigError(f"app kind must be 'partner' or 'admin', not {kind!r}")
    key = None
    if kind == "partner":
        if partner is not None:
            found = find_partner(partner)
            key, connector_id = found.key, found.connector_id
        elif connector_id is None:
            key, connector_id = DEMO_PARTNER.key, DEMO_PARTNER.connector_id
    elif partner is not None or connector_id is not None:
        raise ConfigError("an admin app has no partner or connectorId")
    return AppSpec(
        client_id=client_id or str(uuid.uuid4()),
        client_secret=client_secret or f"secret-{uuid.uuid4().hex}",
        kind=kind,  # type: ignore[arg-type]  # checked above
        connector_id=connector_id,
        partner_key=key,
    )


def demo_config() -> ServiceConfig:
    """One tenant, the demo partner's app, an admin app and four enrolled devices; no connector yet."""
    from simulator.service.demo import DEMO_DEVICES

    apps = (
        AppSpec(DEMO_PARTNER_CLIENT_ID, DEMO_PARTNER_SECRET, "partner", DEMO_PARTNER.connector_id, DEMO_PARTNER.key),
        AppSpec(DEMO_ADMIN_CLIENT_ID, DEMO_ADMIN_SECRET, "admin"),
    )
    return ServiceConfig((TenantSpec(DEMO_TENANT_ID, "Contoso demo", apps, DEMO_DEVICES),))


# ---- file loading -------------------------------------------------------------------------------------------


class _Located(dict[str, Any]):
    """A mapping that remembers the line of each key, so errors point into the file."""

    line: int = 0
    key_lines: dict[str, int]


class _LineLoader(yaml.SafeLoader):
    pass


def _construct_mapping(loader: yaml.SafeLoader, node: yaml.MappingNode) -> _Located:
    located = _Located({str(k): v for k, v in loader.construct_mapping(node, deep=True).items()})
    located.line = node.start_mark.line + 1
    located.key_lines = {str(k.value): k.start_mark.line + 1 for k, _ in node.value}
    return located


_LineLoader.add_constructor(yaml.resolver.BaseResolver.DEFAULT_MAPPING_TAG, _construct_mapping)

_TOP_KEYS = ("tenants",)
_TENANT_KEYS = ("id", "displayName", "apps", "devices")
_APP_KEYS = ("kind", "partner", "connectorId", "clientId", "clientSecret", "certificates")


def load_config(path: Path) -> ServiceConfig:
    """Read a YAML or JSON config file (JSON is read as YAML, which keeps line numbers)."""
    try:
        text = path.read_text(encoding="utf-8")
    except OSError as exc:
        raise ConfigError(f"cannot read config: {exc.strerror}", path=path) from exc
    try:
        document = yaml.load(text, Loader=_LineLoader)  # a SafeLoader subclass
    except yaml.MarkedYAMLError as exc:
        line = exc.problem_mark.line + 1 if exc.problem_mark else None
        raise ConfigError(f"not valid YAML/JSON: {exc.problem}", path=path, line=line) from exc
    root = _mapping(document, path, 1, "the file")
    _check_keys(root, _TOP_KEYS, path)
    tenants = _sequence(root.get("tenants", []), path, root.key_lines.get("tenants", 1), "tenants")
    specs = tuple(_tenant(_mapping(t, path, root.line, "a tenant"), path) for t in tenants)
    ids = [t.id for t in specs]
    if len(set(ids)) != len(ids):
        raise ConfigError("tenant ids must be unique", path=path, line=root.key_lines.get("tenants"))
    return ServiceConfig(specs)


def _tenant(node: _Located, path: Path) -> TenantSpec:
    _check_keys(node, _TENANT_KEYS, path)
    tenant_id = _text(node, "id", path)
    try:
        uuid.UUID(tenant_id)
    except ValueError:
        raise ConfigError(f"tenant id must be a GUID: {tenant_id!r}", path=path, line=_line(node, "id")) from None
    apps = _sequence(node.get("apps", []), path, _line(node, "apps"), "apps")
    devices = [_mapping(d, path, _line(node, "devices"), "a device") for d in
               _sequence(node.get("devices", []), path, _line(node, "devices"), "devices")]  # fmt: skip
    specs = tuple(_device(d, path) for d in devices)
    _check_unique_devices(devices, path)
    return TenantSpec(
        id=tenant_id,
        display_name=str(node.get("displayName", tenant_id)),
        apps=tuple(_app(_mapping(a, path, _line(node, "apps"), "an app"), path) for a in apps),
        devices=specs,
    )


def _check_unique_devices(devices: list[_Located], path: Path) -> None:
    """Each given ``azureADDeviceId`` and ``id`` once per tenant (ids left out are drawn unique): found here, a
    repeat names its line, where enrolment would refuse it later without saying where it is in the file."""
    for key in ("azureADDeviceId", "id"):
        first_line: dict[str, int] = {}
        for node in devices:
            if node.get(key) is None:  # left out: drawn
                continue
            value = str(node[key])
            if value in first_line:
                raise ConfigError(f"device {key} {value!r} repeats the device at line {first_line[value]}",
                                  path=path, line=_line(node, key))
            first_line[value] = _line(node, key)


def _app(node: _Located, path: Path) -> AppSpec:
    _check_keys(node, _APP_KEYS, path)
    try:
        spec = app_spec(
            _text(node, "kind", path),
            partner=_optional_text(node, "partner", path),
            connector_id=_optional_text(node, "connectorId", path),
            client_id=_optional_text(node, "clientId", path),
            client_secret=_optional_text(node, "clientSecret", path),
        )
    except MtdSimError as exc:
        message = getattr(exc, "message", str(exc))
        raise ConfigError(message, path=path, line=node.line) from exc
    certificates = _sequence(node.get("certificates", []), path, _line(node, "certificates"), "certificates")
    pems = tuple(_certificate_pem(item, path, _line(node, "certificates")) for item in certificates)
    return dataclasses.replace(spec, certificates=pems)


def _certificate_pem(item: object, path: Path, line: int) -> str:
    """A certificate given inline (PEM text) or as a file path, relative to the config file; checked here."""
    from simulator.entra.credentials import load_certificate

    if not isinstance(item, str):
        raise ConfigError("a certificate is a PEM text or a file path", path=path, line=line)
    pem = item
    if "-----BEGIN" not in item:
        try:
            pem = (path.parent / item).read_text(encoding="utf-8")
        except OSError as exc:
            raise ConfigError(f"cannot read certificate {item!r}: {exc.strerror}", path=path, line=line) from None
    try:
        load_certificate(pem)
    except MtdSimError as exc:
        raise ConfigError(getattr(exc, "message", str(exc)), path=path, line=line) from None
    return pem


def _device(node: _Located, path: Path) -> Mapping[str, Any]:
    """A device must meet the control API's enrollment contract; the first problem is reported with its line."""
    from simulator.contracts import default_contracts

    device = dict(node)
    problems = default_contracts().problems("sim-device-enrollment", {"devices": [device]})
    if problems:
        first = problems[0]
        key = first.pointer.removeprefix("/devices/0").lstrip("/").split("/")[0]
        raise ConfigError(f"device: {first.pointer.removeprefix('/devices/0') or '/'}: {first.message}",
                          path=path, line=_line(node, key) if key else node.line)
    return device


def _check_keys(node: _Located, allowed: tuple[str, ...], path: Path) -> None:
    for key in node:
        if key not in allowed:
            close = difflib.get_close_matches(str(key), allowed, n=1)
            hint = f" (did you mean {close[0]!r}?)" if close else f" (expected one of {', '.join(allowed)})"
            raise ConfigError(f"unknown key {key!r}{hint}", path=path, line=_line(node, str(key)))


def _mapping(value: object, path: Path, line: int, what: str) -> _Located:
    if not isinstance(value, _Located):
        raise ConfigError(f"{what} must be a mapping", path=path, line=line)
    return value


def _sequence(value: object, path: Path, line: int, what: str) -> list[Any]:
    if not isinstance(value, list):
        raise ConfigError(f"{what} must be a list", path=path, line=line)
    return value


def _text(node: _Located, key: str, path: Path) -> str:
    if key not in node:
        raise ConfigError(f"missing required key {key!r}", path=path, line=node.line)
    value = _optional_text(node, key, path)
    assert value is not None
    return value


def _optional_text(node: _Located, key: str, path: Path) -> str | None:
    value = node.get(key)
    if value is not None and not isinstance(value, str):
        raise ConfigError(f"{key!r} must be a string", path=path, line=_line(node, key))
    return value


def _line(node: _Located, key: str) -> int:
    return node.key_lines.get(key, node.line)
