"""Every setting of Graph's androidCompliancePolicy and iosCompliancePolicy besides the threat rule.

mtdsim evaluates only the device-threat settings (``simulator.domain.compliance``). The others are what real admin
tools send with them (OS versions, passwords, jailbreak blocking, ...): they are stored and returned as Graph returns
them, with Graph's value when never set, and not enforced. Names, types and the API version that has each come from
msgraph-sdk 1.65 (v1.0) and msgraph-beta-sdk 1.66 (beta); tests/routes/test_msgraph_sdk_shapes.py holds them to it.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass
from typing import Any, Literal

from simulator.domain.enums import Platform

__all__ = ["ANDROID_PASSWORD_TYPES", "PASSWORD_COMPLEXITIES", "PASSWORD_TYPES", "SETTINGS", "Setting", "settings_for"]

Kind = Literal["bool", "int", "str", "enum", "strings", "apps"]
ANDROID_PASSWORD_TYPES = ("deviceDefault", "alphabetic", "alphanumeric", "alphanumericWithSymbols",
                          "lowSecurityBiometric", "numeric", "numericComplex", "any")  # fmt: skip
PASSWORD_TYPES = ("deviceDefault", "alphanumeric", "numeric")  # graph.requiredPasswordType (iOS passcodes)
PASSWORD_COMPLEXITIES = ("none", "low", "medium", "high")  # beta graph.androidRequiredPasswordComplexity
THREAT_LEVELS = ("unavailable", "secured", "low", "medium", "high", "notSet")


@dataclass(frozen=True, slots=True)
class Setting:
    """One stored-not-enforced policy property: its Graph name, JSON kind, Graph's value when unset, API version."""

    graph: str
    kind: Kind
    default: Any = None
    api: Literal["v1.0", "beta"] = "v1.0"
    members: tuple[str, ...] = ()


def _bools(*names: str) -> tuple[Setting, ...]:
    return tuple(Setting(name, "bool", False) for name in names)


def _ints(*names: str, api: Literal["v1.0", "beta"] = "v1.0") -> tuple[Setting, ...]:
    return tuple(Setting(name, "int", None, api) for name in names)  # Graph's Int32 settings are nullable


_BETA_COMMON = (
    Setting("advancedThreatProtectionRequiredSecurityLevel", "enum", "unavailable", "beta", THREAT_LEVELS),
    Setting("restrictedApps", "apps", (), "beta"),
)
_ANDROID = (
    Setting("minAndroidSecurityPatchLevel", "str"),
    Setting("osMaximumVersion", "str"),
    Setting("osMinimumVersion", "str"),
    *_ints("passwordExpirationDays", "passwordMinimumLength", "passwordMinutesOfInactivityBeforeLock",
           "passwordPreviousPasswordBlockCount"),
    *_bools("passwordRequired"),
    Setting("passwordRequiredType", "enum", "deviceDefault", members=ANDROID_PASSWORD_TYPES),
    *_bools("securityBlockJailbrokenDevices", "securityDisableUsbDebugging",
            "securityPreventInstallAppsFromUnknownSources", "securityRequireCompanyPortalAppIntegrity",
            "securityRequireGooglePlayServices", "securityRequireSafetyNetAttestationBasicIntegrity",
            "securityRequireSafetyNetAttestationCertifiedDevice", "securityRequireUpToDateSecurityProviders",
            "securityRequireVerifyApps", "storageRequireEncryption"),
    *_BETA_COMMON,
    Setting("conditionStatementId", "str", None, "beta"),
    *_ints("passwordSignInFailureCountBeforeFactoryReset", api="beta"),
    Setting("requiredPasswordComplexity", "enum", "none", "beta", PASSWORD_COMPLEXITIES),
    Setting("securityBlockDeviceAdministratorManagedDevices", "bool", False, "beta"),
)  # fmt: skip
_IOS = (
    *_bools("managedEmailProfileRequired"),
    Setting("osMaximumVersion", "str"),
    Setting("osMinimumVersion", "str"),
    *_bools("passcodeBlockSimple"),
    *_ints("passcodeExpirationDays", "passcodeMinimumCharacterSetCount", "passcodeMinimumLength",
           "passcodeMinutesOfInactivityBeforeLock", "passcodePreviousPasscodeBlockCount"),
    *_bools("passcodeRequired"),
    Setting("passcodeRequiredType", "enum", "deviceDefault", members=PASSWORD_TYPES),
    *_bools("securityBlockJailbrokenDevices"),
    *_BETA_COMMON,
    Setting("osMaximumBuildVersion", "str", None, "beta"),
    Setting("osMinimumBuildVersion", "str", None, "beta"),
    *_ints("passcodeMinutesOfInactivityBeforeScreenTimeout", api="beta"),
)  # fmt: skip
SETTINGS: Mapping[Platform, Mapping[str, Setting]] = {
    Platform.android: {s.graph: s for s in _ANDROID},
    Platform.ios: {s.graph: s for s in _IOS},
}
_BY_API: dict[tuple[Platform, str], tuple[Setting, ...]] = {
    (platform, api): tuple(s for s in settings.values() if api == "beta" or s.api == "v1.0")
    for platform, settings in SETTINGS.items()
    for api in ("v1.0", "beta")
}


def settings_for(platform: Platform, api: str) -> tuple[Setting, ...]:
    """The settings a ``platform`` policy shows on ``api``, in Graph's order."""
    return _BY_API[(platform, "beta" if api == "beta" else "v1.0")]
