"""The demo tenant's enrolled devices (``mtdsim serve`` without ``--config``), in the control API's enroll shape."""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

__all__ = ["DEMO_DEVICES"]


def _ios_app(bundle_id: str, name: str, version: str, short: str, size: int, *, managed: bool) -> dict[str, Any]:
    return {
        "bundleId": bundle_id,
        "version": version,
        "shortVersion": short,
        "name": name,
        "bundleSize": size,
        "dynamicSize": size // 20,
        "isAdHocCodeSigned": False,
        "isAppStoreVendable": True,
        "isBetaApp": False,
        "isDeviceBasedVpp": managed,
        "isValidated": True,
        "isManaged": managed,
    }


_OUTLOOK = _ios_app("com.microsoft.Office.Outlook", "Outlook", "4.2415.0", "4.2415", 251_658_240, managed=True)
_TEAMS = _ios_app("com.microsoft.skype.teams", "Microsoft Teams", "6.12.1", "6.12", 318_767_104, managed=True)
_SPOTIFY = _ios_app("com.spotify.client", "Spotify", "8.9.38.494", "8.9.38", 173_015_040, managed=False)

DEMO_DEVICES: tuple[Mapping[str, Any], ...] = (
    {
        "azureADDeviceId": "00000000-0000-4000-8000-00000000d001",
        "platform": "android",
        "osVersion": "14.0",
        "deviceName": "Pixel 8 (Ana)",
        "userPrincipalName": "ana.silva@contoso.example",
        "ownerType": "company",
        "deviceRegistrationState": "registered",
    },
    {
        "azureADDeviceId": "00000000-0000-4000-8000-00000000d002",
        "platform": "android",
        "osVersion": "13.0",
        "deviceName": "Galaxy S23 (Ben)",
        "userPrincipalName": "ben.okafor@contoso.example",
        "ownerType": "personal",
        "deviceRegistrationState": "registered",
    },
    {
        "azureADDeviceId": "00000000-0000-4000-8000-00000000d003",
        "platform": "ios",
        "osVersion": "17.4",
        "deviceName": "iPhone 15 (Chloe)",
        "userPrincipalName": "chloe.martin@contoso.example",
        "ownerType": "company",
        "deviceRegistrationState": "registered",
        "installedApps": [_OUTLOOK, _TEAMS, _SPOTIFY],
    },
    {
        "azureADDeviceId": "00000000-0000-4000-8000-00000000d004",
        "platform": "ios",
        "osVersion": "16.7.2",
        "deviceName": "iPhone 13 (Dev)",
        "userPrincipalName": "dev.patel@contoso.example",
        "ownerType": "personal",
        "deviceRegistrationState": "registered",
        "installedApps": [_OUTLOOK, _SPOTIFY],
    },
)
