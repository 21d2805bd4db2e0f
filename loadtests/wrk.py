"""Drive single-report load with wrk, the load generator reference/performance.md measured DESIGN 6's baseline with.

``wrk -t1 -c50`` pinned to the client core, a Lua ``request()`` that sends the same report bytes as
loadtests/loadgen.py (one report per POST, every device's reportedDateTime a millisecond newer than its last, so the
server stores a real update). wrk is a Debian package (``apt install wrk``); ``available()`` says whether it is here.

Why it matters which client measures (loadtests/README.md, "Which load generator"): wrk spends a few microseconds
per request and sleeps between answers, so every server pays the same kernel cost to wake it. The Python load
generator is busy for most of a fast server's answers and asleep for more of a slow server's, so a slower server
also pays more wake-ups: its ratio reads lower than its CPU cost per request says.
"""

from __future__ import annotations

import re
import shutil
import subprocess
import tempfile
from collections.abc import Sequence
from dataclasses import dataclass
from pathlib import Path

from loadtests.benchlib import CLIENT_CPU
from loadtests.loadgen import report_text
from loadtests.mockproc import pinned
from simulator.errors import SimulationError

__all__ = ["WrkRun", "available", "report_script", "run"]

PATH = "/partner/v1/deviceThreatReports"
_WHEN = "\x00"  # where each report's time goes; no report text holds a NUL

_LUA = """\
local heads = {%(heads)s}
local middles = {%(middles)s}
local tails = {%(tails)s}
local base = %(base_ms)d
local n = 0
wrk.method = "POST"
wrk.headers["Content-Type"] = "application/json"
%(auth)s
request = function()
  local i = n %% #heads + 1
  local ms = base + 1 + math.floor(n / #heads)
  n = n + 1
  local when = os.date("!%%Y-%%m-%%dT%%H:%%M:%%S", math.floor(ms / 1000)) .. string.format(".%%03dZ", ms %% 1000)
  return wrk.format(nil, nil, nil, '{"reports": [' .. heads[i] .. when .. middles[i] .. when .. tails[i] .. ']}')
end
"""


@dataclass(frozen=True, slots=True)
class WrkRun:
    requests_per_second: float
    requests: int


def available() -> bool:
    return shutil.which("wrk") is not None


def report_script(devices: Sequence[str], platforms: Sequence[str], token: str, base_ms: int) -> str:
    """The Lua script: devices in turn, each report of a device 1 ms after its last, the first at base_ms + 1.

    wrk calls ``request()`` once to check the script before the run, so the first request sent is the second of
    the sequence (loadtests/loadgen.py's ``make_factory`` makes the same sequence)."""
    parts = [report_text(device, platform, _WHEN).split(_WHEN) for device, platform in zip(devices, platforms,
                                                                                            strict=True)]
    if any(len(part) != 3 for part in parts):
        raise SimulationError("a report text must hold its time twice (reportedDateTime, detectedDateTime)")
    column = [", ".join(_lua_string(part[k]) for part in parts) for k in range(3)]
    auth = f'wrk.headers["Authorization"] = {_lua_string("Bearer " + token)}' if token else ""
    return _LUA % {"heads": column[0], "middles": column[1], "tails": column[2], "base_ms": base_ms, "auth": auth}


def run(port: int, script: str, seconds: float, connections: int = 50) -> WrkRun:
    """One wrk run against 127.0.0.1:port; any non-2xx answer or socket error fails the benchmark."""
    with tempfile.TemporaryDirectory(prefix="mtdsim-wrk-") as scratch:
        lua = Path(scratch) / "reports.lua"
        lua.write_text(script, encoding="utf-8")
        command = pinned(["wrk", "-t1", f"-c{connections}", f"-d{max(1, round(seconds))}s", "--timeout", "30s",
                          "-s", str(lua), f"http://127.0.0.1:{port}{PATH}"], CLIENT_CPU)
        done = subprocess.run(command, capture_output=True, text=True, timeout=seconds + 60, check=False)
    out = done.stdout
    rate = re.search(r"Requests/sec:\s+([\d.]+)", out)
    total = re.search(r"(\d+) requests in", out)
    if done.returncode != 0 or rate is None or total is None:
        raise SimulationError(f"wrk failed ({done.returncode}): {done.stderr[-1000:]}{out[-1000:]}")
    bad = re.search(r"Non-2xx or 3xx responses: (\d+)", out) or re.search(r"Socket errors: .*", out)
    if bad:
        raise SimulationError(f"failed answers during the wrk run: {bad.group(0)}")
    return WrkRun(float(rate.group(1)), int(total.group(1)))


def _lua_string(text: str) -> str:
    return '"' + text.replace("\\", "\\\\").replace('"', '\\"') + '"'
