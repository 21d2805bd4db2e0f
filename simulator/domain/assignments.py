"""Compliance-policy assignments (``POST .../assign``, ``GET .../assignments``): stored and shown as Graph does.

mtdsim has no groups: a policy applies to every device of its platform whatever its assignments say (modelled), so
assignments are stored and returned, not evaluated. Intune's virtual "all users"/"all devices" groups have fixed ids,
and an assignment's id is ``{policyId}_{groupId}`` (shape modelled on what Intune returns).
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from typing import Any, Literal

from simulator.errors import InvalidRequest

__all__ = ["ALL_DEVICES", "ALL_USERS", "PolicyAssignment", "assignments_from_graph"]

ALL_USERS = "acacacac-9df4-4c7d-9d50-4ef0226f57a9"
ALL_DEVICES = "adadadad-808e-44e2-905a-0b7873a8a531"
_GRAPH = "#microsoft.graph."
_VIRTUAL_GROUP = {f"{_GRAPH}allLicensedUsersAssignmentTarget": ALL_USERS,
                  f"{_GRAPH}allDevicesAssignmentTarget": ALL_DEVICES}  # fmt: skip
_GROUP_TARGETS = frozenset({f"{_GRAPH}groupAssignmentTarget", f"{_GRAPH}exclusionGroupAssignmentTarget"})


@dataclass(frozen=True, slots=True)
class PolicyAssignment:
    """One deviceCompliancePolicyAssignment: a target (group, exclusion group, all users or all devices)."""

    id: str
    target_type: str
    group_id: str | None = None
    filter_id: str | None = None
    filter_type: str = "none"

    def to_graph(self, api: Literal["v1.0", "beta"]) -> dict[str, Any]:
        target: dict[str, Any] = {"@odata.type": self.target_type}
        if api == "beta":  # assignment filters are beta-only in the SDKs
            target["deviceAndAppManagementAssignmentFilterId"] = self.filter_id
            target["deviceAndAppManagementAssignmentFilterType"] = self.filter_type
        if self.group_id is not None:
            target["groupId"] = self.group_id
        body: dict[str, Any] = {"@odata.type": f"{_GRAPH}deviceCompliancePolicyAssignment", "id": self.id,
                                "target": target}  # fmt: skip
        if api == "beta":
            body["source"] = "direct"
        return body


def assignments_from_graph(policy_id: str, items: Sequence[Mapping[str, Any]]) -> tuple[PolicyAssignment, ...]:
    """The ``assignments`` of an assign body (already valid against its contract); one target once, else 400."""
    built: dict[str, PolicyAssignment] = {}
    for index, item in enumerate(items):
        target = item["target"]
        kind = target["@odata.type"]
        group = target.get("groupId") if kind in _GROUP_TARGETS else None
        if kind in _GROUP_TARGETS and group is None:
            raise InvalidRequest("invalidRequest", f"{kind} needs a groupId",
                                 target=f"/assignments/{index}/target/groupId")  # fmt: skip
        assignment_id = f"{policy_id}_{group or _VIRTUAL_GROUP[kind]}"
        if assignment_id in built:
            raise InvalidRequest("invalidRequest", "a policy is assigned to each target at most once",
                                 target=f"/assignments/{index}/target")  # fmt: skip
        built[assignment_id] = PolicyAssignment(assignment_id, kind, group,
                                                target.get("deviceAndAppManagementAssignmentFilterId"),
                                                target.get("deviceAndAppManagementAssignmentFilterType", "none"))
    return tuple(built.values())
