"""The Locust users: a partner console and a Graph admin, over one abstract base that authenticates and checks
responses against the contracts. Imported by ``locustfile.py`` only (it needs locust, hence gevent).
"""

from __future__ import annotations

import itertools
import os
import random
import time
import urllib.parse
from typing import Any, ClassVar

import orjson
from locust import FastHttpUser, constant, task

from loadtests import payloads
from loadtests.ids import device_id, device_platform
from loadtests.options import ADMIN_TASKS, PARTNER_TASKS, parse_weights
from loadtests.tally import Tally
from loadtests.target import credentials_for, device_record, enroll_devices, jwt_claims

__all__ = ["RUN", "GraphAdminUser", "MtdUser", "PartnerConsoleUser", "RunState"]

REPORTS = "/partner/v1/deviceThreatReports"


class RunState:
    """What every user of this process shares: counters, contracts (loaded once), and the pool size."""

    def __init__(self) -> None:
        self.tally = Tally()
        self.contracts: Any = None
        self.pool_workers = 1
        self.user_numbers = itertools.count()

    def check(self, contract: str, body: Any) -> str | None:
        """None if ``body`` meets ``contract`` (or no contract set could be loaded), else the first problem."""
        if self.contracts is None:
            from simulator.contracts import default_contracts

            self.contracts = default_contracts()
        if self.contracts.is_valid(contract, body):
            return None
        problems = self.contracts.problems(contract, body)
        self.tally.contract_violations += 1
        return f"{contract}: {problems[0] if problems else 'invalid'}"


RUN = RunState()


def mtdsim_ssl_context() -> Any:
    """Verify an https mock against MTDSIM_CA (the CA file `mtdsim serve --tls` printed), else the system store.

    FastHttpUser's default is no verification at all; a gevent context, since Locust's client runs on gevent.
    """
    import gevent.ssl

    return gevent.ssl.create_default_context(cafile=os.environ.get("MTDSIM_CA") or None)


class MtdUser(FastHttpUser):
    """Authenticates with client credentials (refreshing before expiry) and checks sampled responses."""

    abstract = True
    wait_time = constant(0)
    ssl_context_factory = staticmethod(mtdsim_ssl_context)
    app_kind: ClassVar[str] = "partner"
    task_names: ClassVar[tuple[str, ...]] = ()
    task_option: ClassVar[str] = ""

    def on_start(self) -> None:
        options = self.environment.parsed_options
        self.seed: int = options.mtd_seed or 0
        self.worker: int = max(0, self.environment.runner.worker_index)
        self.check_rate: float = options.mtd_check_rate
        self.rng = random.Random(f"{self.seed}/{self.worker}/{id(self)}")
        self.pause: float = options.mtd_wait
        weights = parse_weights(getattr(options, self.task_option), self.task_names)
        self.actions = [getattr(self, f"do_{name}") for name in weights]
        self.weights = list(weights.values())
        creds = credentials_for(self.seed, options.mtd_partner)
        self.tenant = creds.tenant_id
        self.client_id, self.secret = (
            (creds.partner_client_id, creds.partner_secret) if self.app_kind == "partner"
            else (creds.admin_client_id, creds.admin_secret)
        )
        self.token_deadline = 0.0
        self.headers: dict[str, str] = {}
        self.virtual_now_ms = 0

    @task
    def act(self) -> None:
        if time.monotonic() >= self.token_deadline:
            self.authenticate()
        self.rng.choices(self.actions, self.weights)[0]()
        if self.pause:
            time.sleep(self.pause)

    def authenticate(self) -> None:
        form = (f"grant_type=client_credentials&client_id={self.client_id}&client_secret={self.secret}"
                "&scope=https%3A%2F%2Fgraph.microsoft.com%2F.default")
        with self.client.request("POST", f"/{self.tenant}/oauth2/v2.0/token", name="/{tenant}/oauth2/v2.0/token",
                                 data=form, catch_response=True,
                                 headers={"Content-Type": "application/x-www-form-urlencoded"}) as resp:
            body = self.parsed(resp, "token-response", always=True)
            if body is None:
                self.token_deadline = time.monotonic() + 1.0  # retry soon, not in a tight loop
                return
            token = body["access_token"]
            self.headers = {"Authorization": f"Bearer {token}", "Content-Type": "application/json"}
            # Refresh at 80 % of the lifetime; the mock's clock may tick faster if a test advances it.
            self.token_deadline = time.monotonic() + 0.8 * float(body.get("expires_in", 3599))
            self.virtual_now_ms = int(jwt_claims(token).get("iat", time.time())) * 1000

    def parsed(self, resp: Any, contract: str, *, always: bool = False) -> Any:
        """The JSON body of a 200 answer (checked against ``contract`` when sampled), or None after a failure."""
        if resp.status_code != 200:
            if resp.status_code == 401:
                self.token_deadline = 0.0
            resp.failure(f"{resp.status_code}: {_error_text(resp.content)}")
            return None
        checking = self.rng.random() < self.check_rate
        if not (always or checking):
            resp.success()
            return True
        try:
            body = orjson.loads(resp.content)
        except orjson.JSONDecodeError:
            resp.failure("response is not JSON")
            return None
        problem = RUN.check(contract, body) if checking else None
        if problem is not None:
            resp.failure(f"contract violation: {problem}")
            return None
        resp.success()
        return body

    def call(self, method: str, path: str, name: str, contract: str, body: Any = None, *,
             always: bool = False) -> Any:
        data = orjson.dumps(body).decode() if body is not None else None
        with self.client.request(method, path, name=name, data=data, headers=self.headers,
                                 catch_response=True) as resp:
            return self.parsed(resp, contract, always=always)


class PartnerConsoleUser(MtdUser):
    """A partner console serving its own devices: heartbeats, batched threat reports, App Sync for iOS."""

    app_kind = "partner"
    task_names = PARTNER_TASKS
    task_option = "mtd_partner_tasks"

    def on_start(self) -> None:
        super().on_start()
        options = self.environment.parsed_options
        RUN.tally.track_devices = options.mtd_track_devices  # workers learn the master's options at spawn
        self.user_index = next(RUN.user_numbers)
        self.user_key = f"{self.worker}/{self.user_index}"
        count, self.batch_size = options.mtd_devices_per_user, options.mtd_batch_size
        self.devices = [device_id(self.seed, self.worker, self.user_index, n) for n in range(count)]
        self.platforms = [device_platform(self.user_index, n) for n in range(count)]
        self.ios = [i for i, p in enumerate(self.platforms) if p == "ios"]
        self.last_ms = [0] * count
        self.cursor = 0
        pool_users = options.mtd_pool_users or options.num_users or 1
        if self.worker >= RUN.pool_workers or self.user_index >= pool_users:
            self.enroll_own_devices(count)

    def enroll_own_devices(self, count: int) -> None:
        """Outside the pre-enrolled pool (more users or workers than planned): enroll, off the stats."""
        records = (device_record(self.seed, self.worker, self.user_index, n) for n in range(count))
        options = self.environment.parsed_options
        enroll_devices(self.environment.host.rstrip("/"), options.mtd_control_key, self.tenant, records)

    def do_heartbeat(self) -> None:
        self.call("POST", "/partner/v1/heartbeat", "/partner/v1/heartbeat", "partner-connector", {})

    def do_reports(self) -> None:
        indexes = [(self.cursor + i) % len(self.devices) for i in range(self.batch_size)]
        self.cursor = (self.cursor + self.batch_size) % len(self.devices)
        reports = []
        for i in indexes:
            self.last_ms[i] = max(self.last_ms[i] + 1, self.virtual_now_ms)
            reports.append(payloads.report(self.devices[i], self.platforms[i], self.last_ms[i], self.rng))
        body = self.call("POST", REPORTS, REPORTS, "threat-report-results", {"reports": reports},
                         always=True)
        if body is not None:
            RUN.tally.record_results(self.user_key, [r["azureADDeviceId"] for r in reports], body["results"])

    def do_appsync(self) -> None:
        if not self.ios:
            return self.do_heartbeat()
        device = self.devices[self.rng.choice(self.ios)]
        self.call("GET", f"/partner/v1/devices/{device}/apps", "/partner/v1/devices/{id}/apps",
                  "app-sync-response")
        return None


class GraphAdminUser(MtdUser):
    """An Intune admin reading connectors and managed devices through Graph (v1.0 and beta)."""

    app_kind = "admin"
    task_names = ADMIN_TASKS
    task_option = "mtd_admin_tasks"
    connectors = "/deviceManagement/mobileThreatDefenseConnectors"

    def do_connectors(self) -> None:
        self.call("GET", f"/v1.0{self.connectors}", f"/v1.0{self.connectors}", "mtd-connector-list-v1.0")

    def do_connector(self) -> None:
        from simulator.domain.catalog import find_partner

        connector = find_partner(self.environment.parsed_options.mtd_partner).connector_id
        self.call("GET", f"/beta{self.connectors}/{connector}", f"/beta{self.connectors}/{{id}}",
                  "mtd-connector-beta")

    def do_devices(self) -> None:
        path = "/v1.0/deviceManagement/managedDevices"
        self.call("GET", f"{path}?$top=100", f"{path}?$top", "managed-device-list")

    def do_device(self) -> None:
        path = "/v1.0/deviceManagement/managedDevices"
        wanted = device_id(self.seed, 0, self.rng.randrange(max(1, self.environment.parsed_options.num_users or 1)),
                           0)
        query = urllib.parse.quote(f"azureADDeviceId eq '{wanted}'")
        self.call("GET", f"{path}?$filter={query}", f"{path}?$filter",
                  "managed-device-list")


def _error_text(content: bytes | None) -> str:
    """The Graph envelope's code and message, or the first bytes of whatever came back."""
    try:
        error = orjson.loads(content or b"{}").get("error", {})
        return f"{error.get('code')}: {error.get('message')}" if isinstance(error, dict) else str(error)
    except (orjson.JSONDecodeError, AttributeError):
        return (content or b"")[:200].decode(errors="replace")
