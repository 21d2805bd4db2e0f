"""The cosmetic facts Intune shows about a device (serial, IMEI, user names, storage, ...), derived, not stored.

A million simulated devices must fit in a couple of GiB, so nothing here is kept per device: every value is computed
from the device's id when a view asks for it (the same id always gives the same serial, IMEI, MAC, ...), and a value
the enrolment gave explicitly (``EnrolledDevice.extras``) wins. The shapes are modelled on what Intune shows; the
values are fake: IMEIs carry a valid Luhn check digit but a made-up TAC, MAC addresses are locally administered.
"""

from __future__ import annotations

import functools
import hashlib
import uuid
from datetime import datetime, timedelta
from typing import Any

from simulator.domain.clock import format_datetime
from simulator.domain.devices import EnrolledDevice
from simulator.domain.enums import ManagedDeviceOwnerType, Platform

__all__ = ["EXPLICIT", "derived_identity", "hardware", "luhn_digit"]

# What enrolment may give explicitly (contracts/sim-device-enrollment.schema.json); everything else is derived.
EXPLICIT = ("serialNumber", "imei", "userId", "userDisplayName", "emailAddress", "managedDeviceName", "phoneNumber",
            "isSupervised", "isEncrypted", "deviceEnrollmentType")  # fmt: skip
_USER_NAMESPACE = uuid.UUID("6f1a3a52-8a2e-4c55-9a43-0d5d2b1f7c10")  # userId = uuid5(namespace, UPN): stable per user
_SERIAL_CHARS = "0123456789ABCDEFGHJKLMNPQRSTUVWXYZ"
# byte -> serial character, for bytes.translate: one C call instead of a Python loop per character
_SERIAL_TABLE = bytes(ord(_SERIAL_CHARS[b % len(_SERIAL_CHARS)]) for b in range(256))
_DOUBLED = str.maketrans("0123456789", "0246813579")  # Luhn: a doubled digit, its digits summed
_MODELS = {Platform.android: (("samsung", "SM-S921B"), ("Google", "Pixel 9"), ("motorola", "moto g84 5G")),
           Platform.ios: (("Apple", "iPhone 15"), ("Apple", "iPhone 16 Pro"), ("Apple", "iPhone 14"))}  # fmt: skip
_GIB = 1024**3


def luhn_digit(digits: str) -> str:
    """The Luhn check digit for ``digits`` (an IMEI's fifteenth digit)."""
    backwards = digits[::-1]
    total = sum(map(int, backwards[::2].translate(_DOUBLED))) + sum(map(int, backwards[1::2]))
    return str((10 - total % 10) % 10)


def derived_identity(device: EnrolledDevice) -> dict[str, Any]:
    """Graph's cosmetic managedDevice values for ``device``: derived from its id, explicit enrolment values first."""
    seed = _seed(device)
    number = int.from_bytes(seed, "big")
    manufacturer, model, device_name = _hardware(device, seed)
    upn = device.user_principal_name
    ios = device.platform is Platform.ios
    company = device.owner_type is ManagedDeviceOwnerType.company
    total = (128, 256, 512)[seed[1] % 3] * _GIB
    values: dict[str, Any] = {
        "manufacturer": manufacturer,
        "model": model,
        "deviceName": device_name,
        "serialNumber": seed[12 : 24 if ios else 23].translate(_SERIAL_TABLE).decode(),
        "imei": (tac := f"35{number % 10**12:012d}") + luhn_digit(tac),
        "wiFiMacAddress": f"{(seed[2] | 0x02) & 0xFE:02x}" + seed[3:8].hex(),
        "udid": f"00008{seed[8] % 10}{seed[9] % 10}0-{seed[10:18].hex().upper()}" if ios else "",
        "userId": _user_id(upn) if upn else "",
        "userDisplayName": _display_name(upn),
        "emailAddress": upn,
        "managedDeviceName": _managed_device_name(upn, device.platform, device.enrolled_at),
        "phoneNumber": "",
        "isSupervised": ios and company,  # corporate iPhones come through Automated Device Enrollment (modelled)
        "isEncrypted": True,  # every supported Android and iOS version encrypts storage by default
        "deviceEnrollmentType": "appleBulkWithUser" if ios and company else "userEnrollment",
        "totalStorageSpaceInBytes": total,
        "freeStorageSpaceInBytes": total * (20 + seed[11] % 60) // 100,
        "androidSecurityPatchLevel": "" if ios else f"2026-{1 + seed[12] % 10:02d}-01",
        "managementCertificateExpirationDate": _certificate_expiry(device.enrolled_at),
    }
    if device.extras:
        values.update(device.extras)
    return values


def hardware(device: EnrolledDevice) -> tuple[str, str, str]:
    """(manufacturer, model, deviceName) as ``derived_identity`` gives them, for a fraction of its cost: what a
    ``$filter`` on these reads for every device it scans (simulator/service/device_fields.py)."""
    return _hardware(device, _seed(device))


def _seed(device: EnrolledDevice) -> bytes:
    return hashlib.blake2b(device.id.encode(), digest_size=24).digest()


def _hardware(device: EnrolledDevice, seed: bytes) -> tuple[str, str, str]:
    fallback_manufacturer, fallback_model = _MODELS[device.platform][seed[0] % 3]
    manufacturer, model = device.manufacturer or fallback_manufacturer, device.model or fallback_model
    ios = device.platform is Platform.ios
    return manufacturer, model, device.device_name or (model if ios else f"{manufacturer}_{model}".replace(" ", "_"))


@functools.lru_cache(maxsize=256)
def _certificate_expiry(enrolled_at: datetime) -> str:
    """A year after enrolment; cached because a batch of devices shares one enrolment time."""
    return format_datetime(enrolled_at + timedelta(days=365))


def _user_id(upn: str) -> str:
    """``str(uuid.uuid5(_USER_NAMESPACE, upn.lower()))``, without building UUID objects (it runs per device view)."""
    digest = bytearray(hashlib.sha1(_USER_NAMESPACE.bytes + upn.lower().encode()).digest()[:16])
    digest[6] = (digest[6] & 0x0F) | 0x50
    digest[8] = (digest[8] & 0x3F) | 0x80
    h = digest.hex()
    return f"{h[:8]}-{h[8:12]}-{h[12:16]}-{h[16:20]}-{h[20:]}"


def _display_name(upn: str) -> str:
    """``adele.vance@contoso.com`` -> ``Adele Vance``: Entra's display name is not ours to know (modelled)."""
    local = upn.partition("@")[0]
    return " ".join(part.capitalize() for part in local.replace("_", ".").split(".") if part)


def _managed_device_name(upn: str, platform: Platform, enrolled_at: datetime) -> str:
    """Intune's default: ``{user}_{platform}_{M/D/YYYY}_{h:mm AM/PM}`` in the enrolment's UTC time."""
    user = upn.partition("@")[0] or "userless"
    kind = "IPhone" if platform is Platform.ios else "Android"
    hour = enrolled_at.hour % 12 or 12
    clock = f"{hour}:{enrolled_at.minute:02d} {'AM' if enrolled_at.hour < 12 else 'PM'}"
    return f"{user}_{kind}_{enrolled_at.month}/{enrolled_at.day}/{enrolled_at.year}_{clock}"
