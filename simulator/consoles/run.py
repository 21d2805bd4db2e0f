"""Drive one console through a simulated run: heartbeat, read the devices, then tick by tick report and sync."""

from __future__ import annotations

from collections.abc import Callable

from simulator.consoles.console import PartnerConsole
from simulator.consoles.planting import eligible
from simulator.consoles.stats import ConsoleStats
from simulator.fleet.behaviour import Behaviour
from simulator.fleet.traffic import RosterDevice, Traffic

__all__ = ["run_console"]

TickCallback = Callable[[int, int], None]


async def run_console(console: PartnerConsole, behaviour: Behaviour, *, on_tick: TickCallback | None = None,
                      on_listed: Callable[[int], None] | None = None) -> ConsoleStats:  # fmt: skip
    """Run ``behaviour.total_ticks`` ticks; the clock moves one tick between them. Returns the console's stats.
    ``on_listed(devices so far)`` follows the device list read first, ``on_tick(done, total)`` the ticks: once with
    0 before the first (its reports are the simulation's, so a run interrupted during it is in that phase), then
    after each."""
    if console.profile.heartbeats:
        await console.heartbeat()
    else:
        await console.read_connector()
    listed = await console.devices(on_page=on_listed)
    by_id = {device.azure_ad_device_id: device for device in listed}
    roster = [d for d in listed if eligible(console.profile, d, console.connector)]
    traffic = Traffic(behaviour, roster, console.clock.now())
    # iOS devices by the tick of the day they check in at: App Sync calls each once a day, at that tick.
    ios: dict[int, list[RosterDevice]] = {}
    for device, checkin in zip(traffic.roster, traffic.checkin, strict=True):
        if device.platform == "ios":
            ios.setdefault(checkin, []).append(device)
    if on_tick is not None:
        on_tick(0, behaviour.total_ticks)
    for tick in range(behaviour.total_ticks):
        if tick:
            await console.clock.advance(behaviour.tick)
            if console.profile.heartbeats and behaviour.heartbeats_at(tick):
                await console.heartbeat()
        await console.send_reports(traffic.step(tick), by_id)
        await _app_sync(console, behaviour, ios, tick)
        if on_tick is not None:
            on_tick(tick + 1, behaviour.total_ticks)
    return console.stats


async def _app_sync(console: PartnerConsole, behaviour: Behaviour, ios: dict[int, list[RosterDevice]],
                    tick: int) -> None:  # fmt: skip
    """Pull App Sync once a day per iOS device (at its check-in tick), when the connector allows it."""
    if not console.connector.get("allowPartnerToCollectIOSApplicationMetadata", False):
        return
    for device in ios.get(tick % behaviour.ticks_per_day, ()):
        await console.app_sync(device.azure_ad_device_id)
