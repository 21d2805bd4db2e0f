"""Installed iOS apps of a simulated device, in the App Sync wire shape, generated on demand (never stored).

Bundle ids are real App Store ids so partner backends that look apps up see familiar ones. Managed apps are what
Intune deploys to a corporate phone; unmanaged ones are what people install themselves, plus an in-house app
(not App Store vendable) and a TestFlight beta now and then.
"""

from __future__ import annotations

from typing import Any

from simulator.fleet.hashing import mix64

__all__ = ["MANAGED_APPS", "UNMANAGED_APPS", "installed_apps"]

# (bundleId, name, shortVersion, build, size in MiB)
AppEntry = tuple[str, str, str, str, int]

MANAGED_APPS: tuple[AppEntry, ...] = (
    ("com.microsoft.Office.Outlook", "Outlook", "4.2415", "4.2415.0", 240),
    ("com.microsoft.skype.teams", "Microsoft Teams", "7.12", "7.12.1", 310),
    ("com.microsoft.azureauthenticator", "Authenticator", "6.8.16", "6.8.16.1", 120),
    ("com.microsoft.CompanyPortal", "Company Portal", "5.2409", "5.2409.0", 95),
    ("com.microsoft.skydrive", "OneDrive", "15.28", "15.28.3", 180),
    ("com.microsoft.msedge", "Microsoft Edge", "129.2792", "129.2792.79", 230),
    ("com.microsoft.Office.Word", "Microsoft Word", "2.89", "2.89.1", 290),
    ("com.microsoft.Office.Excel", "Microsoft Excel", "2.89", "2.89.1", 300),
    ("com.microsoft.sharepoint", "SharePoint", "4.24", "4.24.2", 150),
    ("com.salesforce.chatter", "Salesforce", "252.010", "252.010.0", 170),
    ("com.servicenow.requestor", "ServiceNow Agent", "20.1", "20.1.2", 140),
    ("com.contoso.expenses", "Contoso Expenses", "3.4", "3.4.12", 45),
)

UNMANAGED_APPS: tuple[AppEntry, ...] = (
    ("net.whatsapp.WhatsApp", "WhatsApp", "24.20", "24.20.78", 260),
    ("com.burbn.instagram", "Instagram", "350.0", "350.0.0", 410),
    ("com.spotify.client", "Spotify", "8.9.86", "8.9.86.575", 200),
    ("com.netflix.Netflix", "Netflix", "16.44", "16.44.0", 110),
    ("com.google.ios.youtube", "YouTube", "19.42", "19.42.1", 290),
    ("com.facebook.Facebook", "Facebook", "485.0", "485.0.0", 420),
    ("com.zhiliaoapp.musically", "TikTok", "36.9", "36.9.0", 470),
    ("com.ubercab.UberClient", "Uber", "3.640", "3.640.10003", 390),
    ("com.google.Maps", "Google Maps", "6.133", "6.133.0", 330),
    ("com.google.chrome.ios", "Google Chrome", "130.0", "130.0.6723.37", 250),
    ("org.whispersystems.signal", "Signal", "7.32", "7.32.1", 160),
    ("ph.telegra.Telegraph", "Telegram", "11.3", "11.3.1", 150),
    ("com.duolingo.DuolingoMobile", "Duolingo", "7.54", "7.54.0", 280),
    ("com.amazon.Amazon", "Amazon Shopping", "24.21", "24.21.2", 230),
    ("com.linkedin.LinkedIn", "LinkedIn", "9.30", "9.30.1880", 340),
    ("com.waze.iphone", "Waze", "4.106", "4.106.0", 280),
    ("com.booking.BookingApp", "Booking.com", "52.3", "52.3.0", 210),
    ("com.toyopagroup.picaboo", "Snapchat", "13.14", "13.14.0.48", 390),
)

_APPS_STREAM = 0xA995
_MIB = 1 << 20


def _app(entry: AppEntry, bits: int, *, managed: bool) -> dict[str, Any]:
    bundle_id, name, short_version, version, size_mib = entry
    in_house = bundle_id.startswith("com.contoso.")
    beta = not managed and bits % 23 == 0  # an occasional TestFlight build
    return {
        "bundleId": bundle_id,
        "version": version,
        "shortVersion": short_version,
        "name": name,
        "bundleSize": size_mib * _MIB,
        "dynamicSize": ((bits >> 8) % 200 + 1) * _MIB,
        "isAdHocCodeSigned": False,
        "isAppStoreVendable": not in_house,
        "isBetaApp": beta,
        "isDeviceBasedVpp": managed and not in_house and bits % 3 == 0,
        "isValidated": True,
        "isManaged": managed,
    }


def _choose(entries: tuple[AppEntry, ...], count: int, state: int) -> list[tuple[AppEntry, int]]:
    """Pick ``count`` distinct entries, keeping catalog order so the list reads naturally."""
    chosen: dict[int, int] = {}
    for draw in range(count * 8):  # bounded: stops once count distinct entries are picked
        bits = mix64(state, draw, len(chosen))
        chosen.setdefault(bits % len(entries), bits >> 16)
        if len(chosen) == count:
            break
    return [(entries[k], bits) for k, bits in sorted(chosen.items())]


def installed_apps(seed: int, device_key: int, *, personal: bool) -> list[dict[str, Any]]:
    """The apps installed on one iOS device: a pure function of (seed, device key, ownership)."""
    state = mix64(seed, _APPS_STREAM, device_key)
    managed_count = 2 + state % 3 if personal else 5 + state % 5
    unmanaged_count = 6 + (state >> 8) % 10 if personal else (state >> 8) % 5
    apps = [_app(e, b, managed=True) for e, b in _choose(MANAGED_APPS, managed_count, state)]
    apps += [_app(e, b, managed=False) for e, b in _choose(UNMANAGED_APPS, unmanaged_count, state ^ 1)]
    return apps
