from __future__ import annotations

from collections.abc import Callable
from datetime import UTC, datetime
from typing import Any

import pytest

from simulator.domain import DEMO_PARTNER, EnrolledDevice, Platform, Tenant

ANDROID_ID = "00000000-0000-4000-8000-00000000a001"
IOS_ID = "00000000-0000-4000-8000-00000000a002"

MakeDevice = Callable[..., EnrolledDevice]


@pytest.fixture
def now() -> datetime:
    return datetime(2026, 11, 25, 10, 0, tzinfo=UTC)


@pytest.fixture
def make_device(now: datetime) -> MakeDevice:
    def make(aad_id: str = ANDROID_ID, platform: Platform = Platform.android, os_version: str = "14",
             **fields: Any) -> EnrolledDevice:  # fmt: skip
        return EnrolledDevice(id=f"intune-{aad_id}", azure_ad_device_id=aad_id, platform=platform,
                              os_version=os_version, enrolled_at=now, **fields)  # fmt: skip

    return make


@pytest.fixture
def tenant(make_device: MakeDevice, now: datetime) -> Tenant:
    """A tenant with one Android and one iOS device and the demo partner's connector, not yet heard from."""
    tenant = Tenant("tenant-a", "Contoso")
    tenant.enroll(make_device())
    tenant.enroll(make_device(IOS_ID, Platform.ios, "17.4"))
    tenant.create_connector(DEMO_PARTNER.connector_id, {}, now)
    return tenant
