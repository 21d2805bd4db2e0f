"""Simulated MTD partner consoles: aiohttp clients of the partner channel, with behaviour profiles."""

from __future__ import annotations

from simulator.consoles.auth import Credentials, TokenSource
from simulator.consoles.clock import ConsoleClock, ControlClock, WallClock
from simulator.consoles.console import PartnerConsole, Reply
from simulator.consoles.profiles import Profile
from simulator.consoles.retry import RetryPolicy
from simulator.consoles.run import run_console
from simulator.consoles.stats import ConsoleStats

__all__ = [
    "ConsoleClock",
    "ConsoleStats",
    "ControlClock",
    "Credentials",
    "PartnerConsole",
    "Profile",
    "Reply",
    "RetryPolicy",
    "TokenSource",
    "WallClock",
    "run_console",
]
