"""The load generator's turn-taking mode, against a real mock and a real bare server."""

from __future__ import annotations

from contextlib import ExitStack

import pytest

from loadtests.benchlib import loadgen, start_baseline, start_prepared_mock
from loadtests.target import fetch_stats


@pytest.mark.slow
def test_servers_take_turns_and_every_answer_the_mock_counted_is_reported() -> None:
    with ExitStack() as servers:
        prepared = start_prepared_mock()
        servers.enter_context(prepared.mock)
        bare = servers.enter_context(start_baseline())
        base_ms = prepared.now_ms - 30 * 60_000
        targets = [{"name": "mock", "port": prepared.mock.port, "base_ms": base_ms},
                   {"name": "bare", "port": bare.port, "token": "", "base_ms": base_ms}]
        result = loadgen({**prepared.report_config("single", 0, connections=4), "targets": targets, "slice": 0.2,
                          "rounds": 3, "duration": 1.2})
        accepted = fetch_stats(prepared.mock.url, prepared.mock.control_key)["traffic"]["reportsAccepted"]
    assert result["bad"] == {"mock": 0, "bare": 0}
    assert [len(rates) for rates in result["turns"].values()] == [3, 3]
    assert all(rate > 0 for rates in result["turns"].values() for rate in rates)
    # Every report was newer than the last about its device, so the mock accepted each answered one exactly once.
    assert accepted == result["answered"]["mock"]
    # A turn's rate counts only answers inside it; the ones in flight at its end are answered but not counted.
    assert sum(result["turns"]["mock"]) * 0.2 <= result["answered"]["mock"]
