"""Drive one console through a simulated run: heartbeat, read the devices, then tick by tick report and sync."""

from __future__ import annotations

from collections.abc import Callable

from simulator.consoles.console import PartnerConsole
from simulator.consoles.planting import eligible
from simulator.consoles.stats import ConsoleStats
from simulator.fleet.behaviour import Behaviour
from simulator.fleet.traffic import RosterDevice, Traffic, device_key

__all__ = ["run_console"]

TickCallback = Callable[[int, int], None]


async def run_console(console: PartnerConsole, behaviour: Behaviour, *,
                      on_tick: TickCallback | None = None) -> ConsoleStats:  # fmt: skip
    """Run ``behaviour.total_ticks`` ticks; the clock moves one tick between them. Returns the console's stats."""
    if console.profile.heartbeats:
        await console.heartbeat()
    else:
        await console.read_connector()
    listed = await console.devices()
    by_id = {device.azure_ad_device_id: device for device in listed}
    roster = [d for d in listed if eligible(console.profile, d, console.connector)]
    traffic = Traffic(behaviour, roster, console.clock.now())
    ios = [d for d in traffic.roster if d.platform == "ios"]
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


async def _app_sync(console: PartnerConsole, behaviour: Behaviour, ios: list[RosterDevice], tick: int) -> None:
    """Pull App Sync once a day per iOS device (at its check-in tick), when the connector allows it."""
    if not console.connector.get("allowPartnerToCollectIOSApplicationMetadata", False):
        return
    day_tick = tick % behaviour.ticks_per_day
    for device in ios:
        if behaviour.checkin_tick(device_key(device.azure_ad_device_id)) == day_tick:
            await console.app_sync(device.azure_ad_device_id)
