"""The tenant overview as Intune's Mobile Threat Defense pane shows it: each connector's toggles under the seed
page's labels, Connection status and Last synchronized, the classic CA policy, and compliance counts.

Labels follow the 2019 seed page (reference/seed-enable-mtd-connector.nl-NL.md, in its English original) and, for
the toggles it predates (personal inventory, app protection), the current Microsoft Learn page.
"""

from __future__ import annotations

from datetime import datetime
from typing import Any

from simulator.dashboard.access import Counts
from simulator.domain.catalog import Partner
from simulator.domain.clock import format_datetime
from simulator.domain.connector import Connector, partner_state
from simulator.domain.enums import Platform
from simulator.domain.policies import CompliancePolicy
from simulator.domain.tenant import Tenant

__all__ = ["overview", "toggles"]

PLATFORMS = ("android", "ios")
STATES = ("compliant", "noncompliant")


def toggles(connector: Connector, partner: Partner | None) -> list[dict[str, Any]]:
    """The pane's switches in its order; ``child`` ones sit under the platform switch above them."""
    name = partner.display_name if partner else connector.id
    android = f"Android {_minimum(partner, Platform.android)}+" if partner else "Android"
    ios = f"iOS {_minimum(partner, Platform.ios)}+" if partner else "iOS"
    missing = "Mark as noncompliant if no data is received"
    rows: list[tuple[str, str, Any, bool]] = [
        (f"Connect {android} devices to {name} for Work MTD", "androidEnabled", connector.android_enabled, False),
        (missing, "androidDeviceBlockedOnMissingPartnerData", connector.android_blocked_on_missing_data, True),
        (f"Connect {ios} devices to {name} for Work MTD", "iosEnabled", connector.ios_enabled, False),
        (missing, "iosDeviceBlockedOnMissingPartnerData", connector.ios_blocked_on_missing_data, True),
        ("Enable App Sync for iOS devices", "allowPartnerToCollectIOSApplicationMetadata",
         connector.allow_ios_app_metadata, False),
        ("Send full application inventory data on personally-owned iOS/iPadOS devices",
         "allowPartnerToCollectIOSPersonalApplicationMetadata", connector.allow_ios_personal_app_metadata, True),
        ("Block unsupported OS versions", "partnerUnsupportedOsVersionBlocked", connector.unsupported_os_blocked,
         False),
        ("Number of days until partner is unresponsive", "partnerUnresponsivenessThresholdInDays",
         connector.unresponsive_days, False),
        (f"Connect Android devices to {name} for app protection policy evaluation",
         "androidMobileApplicationManagementEnabled", connector.android_mam_enabled, False),
        (f"Connect iOS devices to {name} for app protection policy evaluation",
         "iosMobileApplicationManagementEnabled", connector.ios_mam_enabled, False),
    ]  # fmt: skip
    return [{"label": label, "property": prop, "value": value, "child": child} for label, prop, value, child in rows]


def overview(tenant: Tenant, now: datetime, counts: Counts) -> dict[str, Any]:
    connectors = []
    for connector in tenant.connectors.values():
        partner = tenant.partners.get(connector.id)
        policies = [p.to_graph() for p in tenant.classic_policies.values() if p.connector_id == connector.id]
        heartbeat = connector.last_heartbeat
        connectors.append({
            "id": connector.id,
            "partner": partner.display_name if partner else connector.id,
            "connectionStatus": partner_state(connector, now).value,
            "lastSynchronized": format_datetime(heartbeat) if heartbeat else None,
            "toggles": toggles(connector, partner),
            "classicPolicies": policies,
            "counts": {state: counts.by_connector[connector.id, state] for state in STATES},
        })  # fmt: skip
    by_platform = {p: {s: counts.by_platform[p, s] for s in STATES} for p in PLATFORMS}
    return {
        "tenantId": tenant.id,
        "displayName": tenant.display_name,
        "now": format_datetime(now),
        "setUp": bool(tenant.connectors),
        "connectors": connectors,
        "policies": [_policy(p) for p in tenant.policies.values()],
        "counts": {"byPlatform": by_platform, "byRule": dict(counts.by_rule), "devices": counts.total,
                   "scanned": counts.scanned, "complete": counts.complete},
    }


def _minimum(partner: Partner, platform: Platform) -> str:
    return partner.minimum_version(platform) or "-"


def _policy(policy: CompliancePolicy) -> dict[str, Any]:
    wire = policy.to_graph()
    return {"id": policy.id, "displayName": wire.get("displayName"), "platform": policy.platform.value,
            "requiredLevel": policy.required_level.value}
