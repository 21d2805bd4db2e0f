"""Each console profile, simulated on an embedded mock, fails exactly the certification checks it breaks."""

from __future__ import annotations

from pathlib import Path
from typing import Any

import aiohttp
import pytest

from simulator.certification import certify, fetch_evidence, to_json, to_markdown, write_junit
from simulator.consoles.profiles import Profile
from simulator.consoles.simulation import SimulationConfig, simulate, tenant_id_for
from simulator.scenarios.embedded import embedded_target

BREAKS = {
    Profile.well_behaved: set(),
    Profile.ignores_retry_after: {"retryAfterHonoured"},
    Profile.stale_reports: {"reportsFresh"},
    Profile.unregistered_devices: {"rejectionsHeeded"},
    # Reports refused for naming the wrong platform leave those devices without data: both are broken.
    Profile.wrong_platform: {"reportsMatchEnrolment", "devicesReported"},
    # Every batch refused for its size: no device gets data.
    Profile.oversized_batches: {"batching", "devicesReported"},
    Profile.malformed_payloads: {"contracts"},
    Profile.expired_token: {"tokensReused"},
    # Never set up: nothing it reports or pulls is taken.
    Profile.silent: {"heartbeats", "devicesReported", "appSyncAllowed"},
}


def _config(profile: Profile, **kw: Any) -> SimulationConfig:
    return SimulationConfig(seed=7, android=8, ios=8, days=1.0, profile=profile, **kw)


@pytest.mark.parametrize("profile", list(Profile), ids=str)
async def test_a_profile_fails_exactly_the_checks_it_breaks(profile: Profile) -> None:
    result = await simulate(_config(profile))
    assert result.certification is not None
    failed = {c.id for c in result.certification if c.failed}
    assert failed == BREAKS[profile]
    for check in result.certification:
        if check.failed:
            assert check.examples, check.id  # a failure always shows what to look at


async def test_a_well_behaved_console_passes_every_check_with_every_one_exercised(tmp_path: Path) -> None:
    """Throttled once (a short Retry-After, waited out in real time), so Retry-After is judged too: nothing fails
    or skips."""
    async with embedded_target(seed=7) as server, aiohttp.ClientSession() as http:
        rule = {"match": {"route": "/partner/v1/deviceThreatReports", "method": "POST", "tenant": tenant_id_for(7)},
                "when": {"first": 1}, "then": {"error": {"status": 429, "retryAfter": 0.2}}}  # fmt: skip
        headers = {"X-Mtdsim-Control-Key": server.control_key}
        async with http.post(f"{server.base_url}/_sim/faults", json=rule, headers=headers) as answer:
            assert answer.status == 201
        config = _config(Profile.well_behaved, target_url=server.base_url, control_key=server.control_key)
        result = await simulate(config)
        evidence = await fetch_evidence(server.base_url, server.control_key, tenant=result.tenant_id)
    checks = certify(evidence)
    assert {c.id: c.status for c in checks} == {c.id: "pass" for c in checks}
    retry = next(c for c in checks if c.id == "retryAfterHonoured")
    assert (retry.evidence["throttledAnswers"], retry.evidence["retryAfterNotHonoured"]) == (1, 0)
    assert to_json(checks)["passed"] is True and to_json(checks)["failed"] == []
    assert "**every check passed**" in to_markdown(checks)
    write_junit(tmp_path / "junit.xml", checks)
    assert 'failures="0"' in (tmp_path / "junit.xml").read_text("utf-8")


async def test_the_report_window_and_maximum_age_are_configurable() -> None:
    async with embedded_target(seed=3) as server:
        config = SimulationConfig(seed=3, android=4, ios=4, days=2.0, target_url=server.base_url,
                                  control_key=server.control_key)  # fmt: skip
        result = await simulate(config)
        loose = certify(await fetch_evidence(server.base_url, server.control_key, tenant=result.tenant_id))
        strict = certify(await fetch_evidence(server.base_url, server.control_key, tenant=result.tenant_id,
                                              window="PT1M", max_age="PT0S"))  # fmt: skip
    assert not [c.id for c in loose if c.failed]
    strict_failed = {c.id: c for c in strict if c.failed}
    assert "devicesReported" in strict_failed
    assert strict_failed["devicesReported"].evidence["devicesMissing"] > 0
    assert "within PT1M" in strict_failed["devicesReported"].title
