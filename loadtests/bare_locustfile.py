"""The bare baseline for the Locust-user benchmark: a plain FastHttpUser posting heartbeats with a fixed token.

No authentication flow, no contract checks, no task choice: the fastest a Locust user can drive this endpoint.
The token comes from ``MTDSIM_BENCH_TOKEN`` (loadtests/bench_locust.py fetches it).
"""

import os

from locust import FastHttpUser, constant, task


class BareHeartbeatUser(FastHttpUser):
    wait_time = constant(0)

    def on_start(self) -> None:
        self.headers = {"Authorization": f"Bearer {os.environ['MTDSIM_BENCH_TOKEN']}",
                        "Content-Type": "application/json"}

    @task
    def heartbeat(self) -> None:
        self.client.post("/partner/v1/heartbeat", data="{}", headers=self.headers, name="/partner/v1/heartbeat")
