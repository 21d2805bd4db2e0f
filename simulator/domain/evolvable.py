"""Graph's evolvable enums: members added after ``unknownFutureValue`` reach only the callers that ask for them.

Graph appends new members of an evolvable enum after its sentinel ``unknownFutureValue``. A caller that does not send
``Prefer: include-unknown-enum-members`` gets ``unknownFutureValue`` in their place, so a client generated before the
member existed never meets a name it cannot parse. On v1.0, ``mobileThreatPartnerTenantState`` ends at the sentinel
(unavailable, available, enabled, unresponsive, unknownFutureValue: the v1.0 SDK's enum); ``notSetUp`` and ``error``
come after it. Beta lists every member before its sentinel, so beta callers always get the real value.
"""

from __future__ import annotations

from collections.abc import Mapping
from enum import StrEnum
from typing import Literal

from simulator.domain.enums import MobileThreatPartnerTenantState as TenantState

__all__ = ["INCLUDE_UNKNOWN", "SENTINEL", "V1_AFTER_SENTINEL", "wire_value"]

SENTINEL = "unknownFutureValue"
INCLUDE_UNKNOWN = "include-unknown-enum-members"  # the Prefer token that asks for every member

# Per evolvable enum the mock emits on v1.0, the members v1.0 lists after the sentinel. An enum absent here has no
# member past its sentinel on v1.0 (managedDeviceOwnerType, deviceEnrollmentType, managementState: checked against
# msgraph-sdk's generated enums, tests/routes/test_msgraph_sdk_shapes.py).
V1_AFTER_SENTINEL: Mapping[type[StrEnum], frozenset[StrEnum]] = {
    TenantState: frozenset({TenantState.notSetUp, TenantState.error}),
}


def wire_value(member: StrEnum, api: Literal["v1.0", "beta"], include_unknown: bool) -> str:
    """The string Graph sends for ``member`` to a caller of ``api`` that did (not) prefer unknown members."""
    if api == "beta" or include_unknown:
        return member.value
    late = V1_AFTER_SENTINEL.get(type(member))
    return SENTINEL if late is not None and member in late else member.value
