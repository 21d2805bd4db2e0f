"""The dashboard benchmark keeps working on a small fleet, and its reads answer what the fleet holds (no timings)."""

from __future__ import annotations

from loadtests import bench_dashboard


async def test_the_dashboard_benchmark_times_every_read_on_a_small_fleet() -> None:
    rows = {row["read"]: row for row in await bench_dashboard.run(3_000)}
    assert len(rows) == 12 and all(row["wallMs"] >= 0 and row["longestSliceMs"] >= 0 for row in rows.values())
    assert rows["name, first page (builds the order)"]["matched"] == 3_000
    assert rows["name, first page after +2% more enrolled"]["matched"] == 3_000 + 30 - 30 + 60
