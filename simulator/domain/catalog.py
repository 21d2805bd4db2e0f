"""MTD partners Intune documents: display names, fixed connector ids and minimum OS versions.

Connector ids come from Microsoft365DSC's map (reference/intune-mtd.md 1.6); minimum versions from each partner's
Intune page (section 8). iVerify and Trustd have no public connector id; theirs are generated here (modelled), as is
the whole ``demo`` partner, whose minimums are the original toggle labels ("Android 4.1+", "iOS 8.0+").
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass
from types import MappingProxyType

from simulator.domain.enums import Platform
from simulator.errors import NotFound

__all__ = ["CATALOG", "DEMO_PARTNER", "Partner", "find_partner"]


@dataclass(frozen=True, slots=True)
class Partner:
    key: str
    display_name: str
    connector_id: str
    min_android: str | None
    min_ios: str | None
    modelled: bool = False

    def minimum_version(self, platform: Platform) -> str | None:
        return self.min_android if platform is Platform.android else self.min_ios


_PARTNERS = (
    Partner("demo", "Contoso Demo MTD", "5a1b0c2d-3e4f-4a5b-8c6d-7e8f9a0b1c2d", "4.1", "8.0", modelled=True),
    Partner("better-mobile", "BETTER Mobile Security", "860d3ab4-8fd1-45f5-89cd-ecf51e4f92e5", "4.2.2", "8.0"),
    Partner("blackberry", "CylancePROTECT Mobile", "a447eca6-a986-4d3f-9838-5862bf50776c", "9.0", "13.0"),
    Partner("checkpoint", "Check Point Harmony Mobile", "d3ddeae8-441f-4681-b80f-aef644f7195a", "8", "12"),
    Partner("crowdstrike", "CrowdStrike Falcon for Mobile", "29ee2d98-e795-475f-a0f8-0802dc3384a9", "9.0", "15.0"),
    Partner("iverify", "iVerify Enterprise", "6f1e2d3c-4b5a-4968-8776-a5b4c3d2e1f0", "9.0", "15.0", modelled=True),
    Partner("jamf", "Jamf Trust", "1f58d6d2-02cc-4c80-b008-1bfe7396a10a", "11", "15.6"),
    Partner("lookout", "Lookout for Work", "2c7790de-8b02-4814-85cf-e0c59380dee8", "5.0", "12"),
    Partner("pradeo", "Pradeo", "8d0ed095-8191-4bd3-8a41-953b22d51ff7", "5.1", "12.1"),
    Partner("sentinelone", "SentinelOne", "bb13fe25-ce1f-45aa-b278-cabbc6b9072e", "5.0", "10.0"),
    Partner("sophos", "Sophos", "870b252b-0ef0-4707-8847-50fc571472b3", "7.0", "14.0"),
    Partner("symantec", "Symantec Endpoint Protection", "28fd67fd-b179-4629-a8b0-dad420b697c7", "5.0", "10"),
    Partner("trend-micro", "Trend Micro", "4928f0f6-2660-4f69-b4c5-5170ec921f7b", "7.0", "11.0"),
    Partner("trustd", "Trustd Mobile", "0e9d8c7b-6a5f-4e4d-9c3b-2a1f0e9d8c7b", "9.0", "15.0", modelled=True),
    Partner("zimperium", "Zimperium", "08a8455c-48dd-45ff-ad82-7211355354f3", "5.1", "10"),
)
# Trellix is left out: the only public id for it is malformed (7 hex digits in its first group).

CATALOG: Mapping[str, Partner] = MappingProxyType({p.key: p for p in _PARTNERS})
DEMO_PARTNER = CATALOG["demo"]


def find_partner(name_or_id: str) -> Partner:
    """Look a partner up by key, display name (any case) or connector id."""
    wanted = name_or_id.strip().lower()
    for partner in _PARTNERS:
        if wanted in (partner.key, partner.display_name.lower(), partner.connector_id):
            return partner
    known = ", ".join(CATALOG)
    raise NotFound("partnerNotFound", f"unknown MTD partner {name_or_id!r}; known partners: {known}")
