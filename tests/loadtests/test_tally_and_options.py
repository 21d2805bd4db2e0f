from __future__ import annotations

import pytest

from loadtests.options import PARTNER_TASKS, parse_weights
from loadtests.run import parse_seconds
from loadtests.tally import Tally, shared_devices
from simulator.errors import ConfigError, MtdSimError


def test_worker_deltas_add_up_on_the_master() -> None:
    worker, master = Tally(track_devices=True), Tally()
    worker.record_results("0/1", ["a", "b"], [{"status": "accepted"}, {"status": "rejected", "code": "staleReport"}])
    master.merge(worker.drain())
    worker.record_results("0/1", ["c"], [{"status": "accepted"}])
    master.merge(worker.drain())
    assert (master.reports_sent, master.reports_accepted, dict(master.rejected)) == (3, 2, {"staleReport": 1})
    assert master.devices_by_user == {"0/1": {"a", "b", "c"}}


def test_drain_restarts_the_counters() -> None:
    tally = Tally()
    tally.record_results("0/0", ["a"], [{"status": "accepted"}])
    tally.drain()
    assert tally.snapshot()["reportsAccepted"] == 0


def test_shared_devices_names_every_user_of_a_reused_id() -> None:
    assert shared_devices({"0/0": {"a", "b"}, "1/0": {"b"}, "1/1": {"c"}}) == {"b": ["0/0", "1/0"]}


def test_task_weights_parse_and_drop_zero_weights() -> None:
    assert parse_weights("heartbeat=1, reports=8,appsync=0", PARTNER_TASKS) == {"heartbeat": 1, "reports": 8}


def test_unknown_task_name_is_a_config_error() -> None:
    with pytest.raises(ConfigError, match="unknown task 'report'"):
        parse_weights("report=1", PARTNER_TASKS)


def test_all_zero_weights_are_refused() -> None:
    with pytest.raises(ConfigError, match="no task"):
        parse_weights("heartbeat=0", PARTNER_TASKS)


def test_locust_durations_are_read_like_locust_reads_them() -> None:
    assert [parse_seconds(t) for t in ("90", "20s", "5m", "1h30m")] == [90, 20, 300, 5400]


def test_bad_duration_is_refused() -> None:
    with pytest.raises(MtdSimError, match="duration"):
        parse_seconds("5 minutes")
