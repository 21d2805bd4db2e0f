"""What a tenant keeps beside its devices so a read costs O(page), not O(tenant) (docs/architecture.md, "Device
inventory"): enrolment order with stable positions, equality indexes on the fixed properties, and compliance
classes whose counts are exact at any virtual time.
"""

from simulator.domain.inventory.classes import ClassCounts, ComplianceClasses
from simulator.domain.inventory.index import INDEXED, DeviceInventory

__all__ = ["INDEXED", "ClassCounts", "ComplianceClasses", "DeviceInventory"]
