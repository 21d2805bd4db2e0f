"""mtdsim: a local, domain-true stand-in for Intune's Mobile Threat Defense connector.

The package is imported as ``simulator``; the distribution and the CLI are called ``mtdsim``.
Heavy modules (aiohttp service, Faker fleet, pytest plugin) are imported lazily by their users.
"""

from simulator.errors import (
    ConfigError,
    ContractViolation,
    DomainError,
    MtdSimError,
    ScenarioError,
    SimulationError,
)

__version__ = "0.1.0"

__all__ = [
    "ConfigError",
    "ContractViolation",
    "DomainError",
    "MtdSimError",
    "ScenarioError",
    "SimulationError",
    "__version__",
]
