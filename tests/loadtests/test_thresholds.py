from __future__ import annotations

import pytest

from loadtests.thresholds import (
    AGGREGATED,
    EndpointStats,
    Threshold,
    describe_failures,
    evaluate,
    parse_threshold,
    thresholds_from_profile,
)
from simulator.errors import ConfigError

REPORTS = EndpointStats("/partner/v1/deviceThreatReports", "POST", 1000, 20, 5.0, 80.0, 120.0, 400.0)
TOTAL = EndpointStats(AGGREGATED, "", 1200, 20, 4.0, 60.0, 110.0, 480.0)


def test_overall_threshold_parses_without_endpoint() -> None:
    assert parse_threshold("p95_ms < 250") == Threshold("p95_ms", "<", 250.0, AGGREGATED)


def test_endpoint_threshold_keeps_method_and_path() -> None:
    parsed = parse_threshold("POST /partner/v1/deviceThreatReports: fail_ratio <= 0.01")
    assert parsed == Threshold("fail_ratio", "<=", 0.01, "POST /partner/v1/deviceThreatReports")


def test_unknown_metric_is_a_config_error_naming_the_known_ones() -> None:
    with pytest.raises(ConfigError, match="p95_ms"):
        parse_threshold("p96 < 3")


def test_text_without_operator_is_a_config_error() -> None:
    with pytest.raises(ConfigError, match="metric op value"):
        parse_threshold("p95_ms 250")


def test_passing_and_failing_thresholds_are_told_apart() -> None:
    outcomes = evaluate([parse_threshold("p95_ms < 100"), parse_threshold("rps >= 500")], [REPORTS, TOTAL])
    assert [o.passed for o in outcomes] == [True, False]
    assert outcomes[1].actual == 480.0


def test_failure_ratio_is_computed_per_endpoint() -> None:
    outcome = evaluate([parse_threshold("POST /partner/v1/deviceThreatReports: fail_ratio < 0.01")], [REPORTS])[0]
    assert outcome.actual == pytest.approx(0.02)
    assert not outcome.passed


def test_endpoint_can_be_named_without_its_method() -> None:
    outcome = evaluate([parse_threshold("/partner/v1/deviceThreatReports: p99_ms <= 120")], [REPORTS])[0]
    assert outcome.passed


def test_threshold_on_an_endpoint_without_requests_fails_and_says_so() -> None:
    outcomes = evaluate([parse_threshold("/partner/v1/heartbeat: p95_ms < 100")], [REPORTS, TOTAL])
    assert describe_failures(outcomes) == [
        "threshold failed: /partner/v1/heartbeat: p95_ms < 100 (no requests matched)"
    ]


def test_failure_lines_name_the_threshold_and_the_measurement() -> None:
    lines = describe_failures(evaluate([parse_threshold("p95_ms < 50")], [TOTAL]))
    assert lines == ["threshold failed: p95_ms < 50 (measured 60)"]


def test_profile_thresholds_accept_strings_and_mappings() -> None:
    profile = {"thresholds": ["rps > 10", {"endpoint": "/partner/v1/heartbeat", "metric": "p95_ms", "op": "<",
                                           "value": 200}]}
    assert thresholds_from_profile(profile) == [
        Threshold("rps", ">", 10.0),
        Threshold("p95_ms", "<", 200.0, "/partner/v1/heartbeat"),
    ]


def test_profile_thresholds_must_be_a_list() -> None:
    with pytest.raises(ConfigError, match="must be a list"):
        thresholds_from_profile({"thresholds": "p95_ms < 3"})
