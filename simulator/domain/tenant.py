"""One Intune tenant's MTD state and the rules that accept or refuse what partners and admins send.

The service is a thin layer over this class: it authenticates, parses and validates, then calls one method here.
"""

from __future__ import annotations

import dataclasses
import uuid
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass
from datetime import datetime, timedelta
from typing import Any

from simulator.domain.catalog import CATALOG, Partner
from simulator.domain.compliance import ComplianceResult, evaluate_compliance
from simulator.domain.connector import ApiVersion, Condition, Connector, apply_connector_patch, partner_state
from simulator.domain.devices import EnrolledDevice, InstalledApp, ThreatReport, as_threat_report
from simulator.domain.enums import DeviceRegistrationState, ManagedDeviceOwnerType, Platform, RejectionCode
from simulator.domain.enums import ManagedDevicePartnerReportedHealthState as Health
from simulator.domain.enums import MobileThreatPartnerTenantState as State
from simulator.domain.inventory import ClassCounts, ComplianceClasses, DeviceInventory
from simulator.domain.policies import ClassicPolicy, CompliancePolicy
from simulator.domain.report_book import ReportBook
from simulator.errors import Conflict, Forbidden, InvalidRequest, NotFound

__all__ = ["MAX_CLOCK_SKEW", "ReportOutcome", "Tenant"]

MAX_CLOCK_SKEW = timedelta(minutes=5)
_CLASSIC_POLICY_NAMESPACE = uuid.UUID("6d7a2f0e-4b1c-4e8a-9f3d-2c5b8a1e7f60")
_BLOCKED_STATES = frozenset({State.notSetUp, State.unavailable})
_REGISTERED = DeviceRegistrationState.registered  # compared directly: a property call per report costs more


# Plain dicts from wire values: an Enum call costs ten times a dict lookup, and this runs for every report.
_PLATFORMS = {platform.value: platform for platform in Platform}
_HEALTH = {state.value: state for state in Health}


@dataclass(frozen=True, slots=True)
class ReportOutcome:
    accepted: bool
    code: RejectionCode | None = None
    message: str = ""
    duplicate: bool = False


# (connector, now, the refusal of every report or None, enabled platforms, the latest reportedDateTime accepted)
_Gate = tuple[Connector, datetime, ReportOutcome | None, Mapping[Platform, bool], datetime]

# Outcomes carry no per-report data when a report is taken, so every acceptance shares one immutable instance.
ACCEPTED = ReportOutcome(True)
DUPLICATE = ReportOutcome(True, duplicate=True)


class Tenant:
    """A tenant: its connectors, enrolled devices, newest report per (connector, device), policies."""

    def __init__(self, tenant_id: str, display_name: str = "", partners: Iterable[Partner] = ()) -> None:
        self.id = tenant_id
        self.display_name = display_name or tenant_id
        self.partners: dict[str, Partner] = {p.connector_id: p for p in (*CATALOG.values(), *partners)}
        self.connectors: dict[str, Connector] = {}
        self.devices: dict[str, EnrolledDevice] = {}
        self.devices_by_id: dict[str, EnrolledDevice] = {}
        self.reports = ReportBook()  # plain tuples: read them with report()
        self.policies: dict[str, CompliancePolicy] = {}
        self.classic_policies: dict[str, ClassicPolicy] = {}
        self._classic_created = 0
        # Kept beside ``devices`` so lists, filters and counts cost O(page) or O(classes), not O(tenant).
        self.inventory = DeviceInventory()
        self.classes = ComplianceClasses()
        self._gate: _Gate | None = None

    # -- connectors (admin side) --------------------------------------------------------------------------------

    def connector(self, connector_id: str) -> Connector:
        try:
            return self.connectors[connector_id]
        except KeyError:
            raise NotFound("itemNotFound", f"no mobileThreatDefenseConnector {connector_id!r} in this tenant") from None

    def create_connector(
        self, connector_id: str, settings: Mapping[str, Any], now: datetime, api: ApiVersion = "beta"
    ) -> Connector:
        if connector_id in self.connectors:
            raise Conflict("nameAlreadyExists", f"connector {connector_id!r} exists already; PATCH it instead")
        if connector_id not in self.partners:
            raise InvalidRequest(
                "invalidRequest", f"{connector_id!r} is not the connector id of a known MTD partner", target="/id"
            )
        partner = self.partners[connector_id]
        base = Connector(id=connector_id, partner_display_name=partner.display_name,
                         minimum_android_version=partner.minimum_version(Platform.android),
                         minimum_ios_version=partner.minimum_version(Platform.ios))  # fmt: skip
        connector = apply_connector_patch(base, settings, api)
        return self._store_connector(connector, now)

    def update_connector(
        self, connector_id: str, patch: Mapping[str, Any], now: datetime, api: ApiVersion = "beta"
    ) -> Connector:
        return self._store_connector(apply_connector_patch(self.connector(connector_id), patch, api), now)

    def delete_connector(self, connector_id: str) -> None:
        """Deleting the connection also removes its classic policy and the partner's reports."""
        self.connector(connector_id)
        del self.connectors[connector_id]
        self.classic_policies = {k: p for k, p in self.classic_policies.items() if p.connector_id != connector_id}
        for device_id in self.reports.drop_connector(connector_id):
            self.classes.report(self.inventory.seq_of[device_id], connector_id, None)

    def set_condition(self, connector_id: str, condition: Condition | None) -> Connector:
        connector = dataclasses.replace(self.connector(connector_id), condition=condition)
        self.connectors[connector_id] = connector
        return connector

    def _store_connector(self, connector: Connector, now: datetime) -> Connector:
        self.connectors[connector.id] = connector
        if (connector.android_enabled or connector.ios_enabled) and not self._has_classic_policy(connector.id):
            partner = self.partners[connector.id]
            # Derived, not random: the same tenant and partner always get the same policy id (reproducible runs).
            policy_id = str(uuid.uuid5(_CLASSIC_POLICY_NAMESPACE, f"{self.id}/{connector.id}/{self._classic_created}"))
            self._classic_created += 1
            policy = ClassicPolicy(policy_id, connector.id, partner.display_name, now)
            self.classic_policies[policy.id] = policy
        return connector

    def _has_classic_policy(self, connector_id: str) -> bool:
        return any(p.connector_id == connector_id for p in self.classic_policies.values())

    # -- partner channel ----------------------------------------------------------------------------------------

    def partner_connector(self, connector_id: str) -> Connector:
        """The connector a partner app belongs to; 403 until the admin has created it (modelled)."""
        connector = self.connectors.get(connector_id)
        if connector is None:
            raise Forbidden(
                "connectorNotConfigured",
                "the tenant admin has not added this partner's Mobile Threat Defense connector",
            )
        return connector

    def heartbeat(self, connector_id: str, now: datetime) -> Connector:
        connector = dataclasses.replace(self.partner_connector(connector_id), last_heartbeat=now)
        self.connectors[connector_id] = connector
        return connector

    def partner_devices(self, connector_id: str, platform: Platform | None = None) -> list[EnrolledDevice]:
        self.partner_connector(connector_id)
        return [d for d in self.devices.values() if platform is None or d.platform is platform]

    def apply_reports(
        self, connector_id: str, reports: Sequence[Mapping[str, Any]], reported_at: Sequence[datetime], now: datetime
    ) -> list[ReportOutcome]:
        """Apply threat reports in order: ``reports`` as the partner sent them (contract-valid wire objects, see
        contracts/threat-report-batch.schema.json), ``reported_at`` each one's reportedDateTime already parsed.

        Wire objects rather than records: this is the ingest hot path (up to 1000 reports per batch), and reading
        each field once where it is used costs a third less than building a record per report first.
        """
        gate = self._gate
        if gate is None or gate[1] is not now or gate[0] is not self.connectors.get(connector_id):
            gate = self._gate = self._open_gate(connector_id, now)
        connector, _, refused, enabled, latest_allowed = gate
        if refused is not None:
            return [refused] * len(reports)
        # One loop with locals, the checks of _rejection repeated inline so a good report pays no call, and reports
        # stored as plain tuples (StoredReport: [4] is the threat state, [5] the reported time).
        cid, devices, stored_reports = connector.id, self.devices, self.reports.of(connector.id)
        seq_of, reclass = self.inventory.seq_of, self.classes.report
        outcomes: list[ReportOutcome] = []
        for report, when in zip(reports, reported_at, strict=True):
            device_id = report["azureADDeviceId"]
            platform = _PLATFORMS[report["platform"]]
            device = devices.get(device_id)
            if (device is None or device.registration_state is not _REGISTERED or platform is not device.platform
                    or not enabled[platform] or when > latest_allowed):  # fmt: skip
                # Names the first failed check, in DESIGN's order.
                rejection = _rejection(enabled, latest_allowed, device, device_id, platform, when)
                if rejection is not None:
                    outcomes.append(rejection)
                    continue
            stored = stored_reports.get(device_id)
            threat_state = _HEALTH[report["threatState"]]
            if stored is None or when > stored[5]:
                stored_reports[device_id] = (cid, device_id, platform, report["osVersion"], threat_state, when, now,
                                             len(report.get("threats", ())))
                if stored is None or stored[4] is not threat_state:
                    reclass(seq_of[device_id], cid, report["threatState"])  # only a changed state moves its class
                outcomes.append(ACCEPTED)
            else:
                outcomes.append(_not_newer(when, threat_state, as_threat_report(stored)))
        return outcomes

    def _open_gate(self, connector_id: str, now: datetime) -> _Gate:
        """What every report of ``connector_id`` is checked against at ``now``.

        Kept for the next batch while the connector is the same object (connectors are frozen and replaced on every
        change) and ``now`` the same instant (a ticking clock hands out one datetime per millisecond): the ~10
        single-report requests of a millisecond then skip this, which cost ~8% of one.
        """
        connector = self.partner_connector(connector_id)
        state = partner_state(connector, now)
        refused = ReportOutcome(False, RejectionCode.connectorNotActive,
                                f"partnerState is {state.value}: Intune blocks threat messages",
                                ) if state in _BLOCKED_STATES else None  # fmt: skip
        enabled = {Platform.android: connector.android_enabled, Platform.ios: connector.ios_enabled}
        return connector, now, refused, enabled, now + MAX_CLOCK_SKEW

    def app_sync(self, connector_id: str, azure_ad_device_id: str, now: datetime) -> tuple[InstalledApp, ...]:
        connector = self.partner_connector(connector_id)
        state = partner_state(connector, now)
        if state in _BLOCKED_STATES:
            raise Forbidden("connectorNotActive", f"partnerState is {state.value}: Intune blocks App Sync requests")
        if not connector.allow_ios_app_metadata:
            raise Forbidden("appSyncDisabled", "the admin has not enabled App Sync for iOS devices on this connector")
        device = self.devices.get(azure_ad_device_id)
        if device is None:
            raise NotFound("deviceNotFound", f"no enrolled device with azureADDeviceId {azure_ad_device_id}")
        if device.platform is not Platform.ios:
            raise InvalidRequest("platformNotSupported", "App Sync is available for iOS/iPadOS devices only")
        if device.owner_type is ManagedDeviceOwnerType.personal and not connector.allow_ios_personal_app_metadata:
            return tuple(app for app in device.apps if app.is_managed)
        return device.apps

    # -- devices, policies, compliance -------------------------------------------------------------------------

    def enroll(self, device: EnrolledDevice) -> EnrolledDevice:
        if device.azure_ad_device_id in self.devices or device.id in self.devices_by_id:
            raise Conflict("nameAlreadyExists", f"device {device.azure_ad_device_id} is enrolled already")
        self._add((device,), (device.azure_ad_device_id,), (device.id,))
        return device

    def enroll_all(self, devices: Sequence[EnrolledDevice]) -> None:
        """Enroll a batch, all or nothing: 409 at the first device (``/devices/{index}/...``) whose azureADDeviceId or
        Intune id is enrolled already or repeats an earlier one in the batch, before any device is enrolled.

        ``enroll`` for each, in order, at a fraction of the cost: the control API enrolls a million devices in
        batches of 10,000, and the dicts, indexes and classes take a batch in C (``DeviceInventory.add_all``).
        """
        aad_ids, ids = [d.azure_ad_device_id for d in devices], [d.id for d in devices]
        if not (len(set(aad_ids)) == len(aad_ids) and len(set(ids)) == len(ids)
                and self.devices.keys().isdisjoint(aad_ids) and self.devices_by_id.keys().isdisjoint(ids)):  # fmt: skip
            self._refuse_batch(devices)
        self._add(devices, aad_ids, ids)

    def _add(self, devices: Sequence[EnrolledDevice], aad_ids: Sequence[str], ids: Sequence[str]) -> None:
        """Enroll devices already checked to be new and distinct: the id dicts, then positions, indexes, classes."""
        self.devices.update(zip(aad_ids, devices, strict=True))
        self.devices_by_id.update(zip(ids, devices, strict=True))
        self._index(devices)

    def _index(self, devices: Sequence[EnrolledDevice]) -> None:
        self.classes.add_all(self.inventory.add_all(devices), devices)

    def _refuse_batch(self, devices: Sequence[EnrolledDevice]) -> None:
        """The 409 of a batch the check in C found a repeat in, at its first offender."""
        seen: dict[str, set[str]] = {"azureADDeviceId": set(), "id": set()}
        for index, device in enumerate(devices):
            for field_name, value, enrolled in (("azureADDeviceId", device.azure_ad_device_id, self.devices),
                                                ("id", device.id, self.devices_by_id)):  # fmt: skip
                if value in enrolled or value in seen[field_name]:
                    raise Conflict("nameAlreadyExists", f"a device with this {field_name} is enrolled already or "
                                   "repeated in this batch; no device of the batch was enrolled",
                                   target=f"/devices/{index}/{field_name}")  # fmt: skip
                seen[field_name].add(value)

    def remove(self, azure_ad_device_id: str) -> EnrolledDevice:
        """Unenroll a device: its reports go with it; lists and cursors keep their place (see inventory)."""
        device = self.device(azure_ad_device_id)
        del self.devices[azure_ad_device_id]
        del self.devices_by_id[device.id]
        self.classes.remove(self.inventory.remove(azure_ad_device_id))
        self.reports.drop_device(azure_ad_device_id)
        return device

    def reindex(self) -> None:
        """Rebuild the inventory and classes from ``devices`` and ``reports`` (after restoring them wholesale)."""
        self.inventory, self.classes = DeviceInventory(), ComplianceClasses()
        self._index(list(self.devices.values()))
        for (cid, device_id), report in self.reports.items():
            self.classes.report(self.inventory.seq_of[device_id], cid, report[4].value)  # [4]: its threat state

    def compliance_counts(self, now: datetime) -> ClassCounts:
        """Devices by compliance state, platform and connector rule at ``now``: O(classes x connectors)."""
        return self.classes.counts(self.policies.values(), self.connectors.values(), self.partners, now)

    def device(self, azure_ad_device_id: str) -> EnrolledDevice:
        try:
            return self.devices[azure_ad_device_id]
        except KeyError:
            raise NotFound("itemNotFound", f"no managed device with azureADDeviceId {azure_ad_device_id}") from None

    def compliance(self, azure_ad_device_id: str, now: datetime) -> ComplianceResult:
        device = self.device(azure_ad_device_id)
        reports = {cid: r for cid in self.connectors if (r := self.report(cid, device.azure_ad_device_id))}
        return evaluate_compliance(
            device, self.policies.values(), self.connectors.values(), reports, self.partners, now
        )

    def newest_report(self, azure_ad_device_id: str) -> ThreatReport | None:
        """The newest report any current connector sent about the device (Graph's partnerReportedThreatState)."""
        found = (self.report(cid, azure_ad_device_id) for cid in self.connectors)
        return max((r for r in found if r), key=lambda r: r.reported_at, default=None)

    def report(self, connector_id: str, azure_ad_device_id: str) -> ThreatReport | None:
        """The newest accepted report of ``connector_id`` about the device."""
        stored = self.reports.get((connector_id, azure_ad_device_id))
        return None if stored is None else as_threat_report(stored)

    def add_policy(self, policy: CompliancePolicy) -> CompliancePolicy:
        if policy.id in self.policies:
            raise Conflict("nameAlreadyExists", f"compliance policy {policy.id} exists already")
        self.policies[policy.id] = policy
        return policy

    def policy(self, policy_id: str) -> CompliancePolicy:
        try:
            return self.policies[policy_id]
        except KeyError:
            raise NotFound("itemNotFound", f"no deviceCompliancePolicy {policy_id!r} in this tenant") from None

    def classic_policy(self, policy_id: str) -> ClassicPolicy:
        try:
            return self.classic_policies[policy_id]
        except KeyError:
            raise NotFound("itemNotFound", f"no classic policy {policy_id!r} in this tenant") from None


def _not_newer(reported_at: datetime, threat_state: Health, stored: ThreatReport) -> ReportOutcome:
    """An idempotent resend (same time, same state) is a duplicate; anything else not newer is stale."""
    if reported_at == stored.reported_at and threat_state is stored.threat_state:
        return DUPLICATE
    message = f"not newer than the stored report ({stored.describe()}); ignored"
    return ReportOutcome(False, RejectionCode.staleReport, message)


def _rejection(
    enabled: Mapping[Platform, bool],
    latest_allowed: datetime,
    device: EnrolledDevice | None,
    device_id: str,
    platform: Platform,
    reported_at: datetime,
) -> ReportOutcome | None:
    """The per-report checks of DESIGN 3.2, in their documented order; None when the report may be stored."""
    if device is None:
        return ReportOutcome(
            False, RejectionCode.deviceNotFound, f"no enrolled device with azureADDeviceId {device_id}"
        )
    if device.registration_state is not _REGISTERED:
        return ReportOutcome(
            False,
            RejectionCode.deviceNotRegistered,
            f"device is {device.registration_state.value} in Azure AD: it has no device id "
            "partners may report against (classic CA rule)",
        )
    if platform is not device.platform:
        message = f"report says {platform.value} but the device is {device.platform.value}"
        return ReportOutcome(False, RejectionCode.platformMismatch, message)
    if not enabled[platform]:
        return ReportOutcome(
            False, RejectionCode.platformNotEnabled, f"the connector does not have {platform.value} enabled"
        )
    if reported_at > latest_allowed:
        return ReportOutcome(False, RejectionCode.clockSkew, "reportedDateTime is more than 5 minutes in the future")
    return None
