"""The scenario model: what a ``*.scenario.yaml`` document means once loaded and checked (frozen records)."""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

__all__ = [
    "ACTIONS",
    "DEFAULT_CLOCK",
    "DEFAULT_TENANT",
    "AppSpec",
    "ComplianceExpect",
    "ConnectorSpec",
    "DeviceSpec",
    "Expect",
    "Given",
    "PolicySpec",
    "Retry",
    "Scenario",
    "Step",
    "TenantGiven",
]

ACTIONS = (
    "heartbeat",
    "connector",
    "devices",
    "report",
    "app_sync",
    "enroll",
    "advance",
    "set_clock",
    "create_connector",
    "patch_connector",
    "delete_connector",
    "condition",
    "policy",
    "fault",
    "clear_faults",
    "token",
    "request",
    "check",
)
DEFAULT_CLOCK = "2026-11-25T10:00:00Z"
DEFAULT_TENANT = "default"  # the key of the one tenant a scenario without ``given.tenants`` has


@dataclass(frozen=True, slots=True)
class AppSpec:
    bundle_id: str
    name: str | None = None
    version: str | None = None
    managed: bool = True


@dataclass(frozen=True, slots=True)
class DeviceSpec:
    name: str
    platform: str
    os_version: str
    ownership: str = "company"
    registered: bool = True
    user: str | None = None
    azure_ad_device_id: str | None = None
    apps: tuple[AppSpec, ...] = ()


@dataclass(frozen=True, slots=True)
class ConnectorSpec:
    partner: str
    settings: Mapping[str, Any] = field(default_factory=dict)
    heartbeat: bool = True
    condition: str | None = None


@dataclass(frozen=True, slots=True)
class PolicySpec:
    platform: str
    level: str
    enabled: bool = True


@dataclass(frozen=True, slots=True)
class TenantGiven:
    """One tenant's starting state; ``name`` is how steps and variables refer to it."""

    name: str = DEFAULT_TENANT
    display_name: str = "Contoso"
    connectors: tuple[ConnectorSpec, ...] = ()
    partners: tuple[str, ...] = ()
    policies: tuple[PolicySpec, ...] = ()
    devices: tuple[DeviceSpec, ...] = ()

    @property
    def partner_keys(self) -> tuple[str, ...]:
        """Every partner with an app in the tenant: connector partners first."""
        return tuple(c.partner for c in self.connectors) + self.partners


@dataclass(frozen=True, slots=True)
class Given:
    clock: str = DEFAULT_CLOCK
    tenants: tuple[TenantGiven, ...] = (TenantGiven(),)

    @property
    def default(self) -> TenantGiven:
        """The tenant a step without ``tenant:`` acts in: the first one."""
        return self.tenants[0]

    @property
    def connectors(self) -> tuple[ConnectorSpec, ...]:
        return self.default.connectors

    @property
    def policies(self) -> tuple[PolicySpec, ...]:
        return self.default.policies

    @property
    def devices(self) -> tuple[DeviceSpec, ...]:
        return self.default.devices

    @property
    def partner_keys(self) -> tuple[str, ...]:
        return self.default.partner_keys


@dataclass(frozen=True, slots=True)
class ComplianceExpect:
    state: str
    rule: str | None = None


@dataclass(frozen=True, slots=True)
class Expect:
    line: int
    status: tuple[int, ...] = ()
    has_json: bool = False
    json: Any = None
    schema: str | None = None
    headers: Mapping[str, str] = field(default_factory=dict)
    compliance: Mapping[str, ComplianceExpect] = field(default_factory=dict)
    connectors: Mapping[str, Mapping[str, Any]] = field(default_factory=dict)
    journal: Mapping[str, Any] | None = None
    violations: int | None = None
    absent: tuple[str, ...] = ()
    any_of: tuple[Expect, ...] = ()


@dataclass(frozen=True, slots=True)
class Retry:
    until: Expect
    fail_if: Expect | None = None
    timeout: float = 5.0
    interval: float = 0.05


@dataclass(frozen=True, slots=True)
class Step:
    index: int
    line: int
    action: str
    args: Any
    name: str | None = None
    expect: Expect | None = None
    save: Mapping[str, str] = field(default_factory=dict)
    retry: Retry | None = None
    tenant: str | None = None

    @property
    def title(self) -> str:
        label = f" ({self.name})" if self.name else ""
        return f"step {self.index + 1} `{self.action}`{label}"


@dataclass(frozen=True, slots=True)
class Scenario:
    name: str
    path: Path
    line: int
    source: str
    steps: tuple[Step, ...]
    given: Given = field(default_factory=Given)
    tags: tuple[str, ...] = ()
    description: str = ""
    parameters: Mapping[str, Any] = field(default_factory=dict)  # this row of ``parametrize``, if any

    @property
    def location(self) -> str:
        return f"{self.path}:{self.line}"
