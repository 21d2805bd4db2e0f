"""The dashboard in a real browser against a real ``mtdsim serve`` with a simulated fleet (issue 18).

The tests share one page and run in file order: sign in, read, search, then change the world (a report, a clock
advance) and watch the open page follow without a reload. A test run on its own (``-k``) starts signed in, on the
overview (``_signed_in``). Screenshots go to reports/screenshots/ (gitignored), so
a run leaves the tree clean; with ``MTDSIM_UPDATE_SCREENSHOTS=1`` they refresh docs/img/ (the README shows one).
"""

from __future__ import annotations

import os
from collections import Counter
from pathlib import Path
from typing import Any

import pytest

pytestmark = [pytest.mark.browser, pytest.mark.slow]

ROOT = Path(__file__).parents[2]
IMAGES = ROOT / ("docs/img" if os.environ.get("MTDSIM_UPDATE_SCREENSHOTS") == "1" else "reports/screenshots")
KEY = "browser-test-key"


def shoot(page: Any, name: str, *, full: bool = False) -> None:
    IMAGES.mkdir(parents=True, exist_ok=True)
    page.screenshot(path=str(IMAGES / name), full_page=full)


@pytest.fixture(autouse=True)
def _signed_in(request: pytest.FixtureRequest, page: Any, world: Any) -> None:
    """What the sign-in test leaves behind, for a test that runs without it: the key's cookie and the overview."""
    if request.node.name.startswith("test_the_control_key_entered_once") or any(
        c["name"] == "mtdsim_control_key" for c in page.context.cookies()
    ):
        return
    page.context.add_cookies([{"name": "mtdsim_control_key", "value": KEY, "url": world.base, "httpOnly": True,
                               "sameSite": "Strict"}])  # fmt: skip
    page.goto(world.base + "/_sim/dashboard")
    page.wait_for_selector("[data-connection-status]")


def test_the_control_key_entered_once_in_the_form_opens_the_dashboard_with_an_http_only_cookie(
    page: Any, world: Any, console_errors: list[str]
) -> None:
    page.goto(world.base + "/_sim/dashboard")
    page.fill("input[name=key]", "not-the-key")
    page.click("button[type=submit]")
    assert page.locator("[role=alert]").is_visible()
    # The browser logs the refused key's 401 as an error: expected here, and the only one allowed.
    assert console_errors == ["Failed to load resource: the server responded with a status of 401 (Unauthorized)"]
    console_errors.clear()
    page.fill("input[name=key]", KEY)
    page.click("button[type=submit]")
    page.wait_for_selector("[data-connection-status]")
    cookie = next(c for c in page.context.cookies() if c["name"] == "mtdsim_control_key")
    assert cookie["httpOnly"] and cookie["sameSite"] == "Strict"
    assert "key=" not in page.url


def test_the_picker_shows_the_tenant_named_by_its_simulate_run(page: Any, world: Any) -> None:
    picked = page.locator("#tenant option:checked").inner_text()
    assert picked.startswith("mtdsim simulate seed 4242 at ") and "(100 devices)" in picked
    assert page.locator("h2 small").inner_text() == world.tenant


def test_the_overview_counts_match_graph_and_the_page_has_no_console_errors(
    page: Any, world: Any, console_errors: list[str]
) -> None:
    graph = Counter((d["operatingSystem"].lower(), d["complianceState"]) for d in world.graph_devices())
    page.wait_for_selector("svg polyline")  # the sampler has measured compliance at least once
    for platform in ("android", "ios"):
        for state in ("compliant", "noncompliant"):
            shown = page.locator(f'.counts a[data-count="{platform}/{state}"]').inner_text()
            assert int(shown) == graph[platform, state], (platform, state)
    assert graph["android", "noncompliant"] + graph["ios", "noncompliant"] > 0
    assert page.locator("[data-property=androidDeviceBlockedOnMissingPartnerData] .switch").inner_text() == "On"
    assert "Connect Android 4.1+ devices to Contoso Demo MTD for Work MTD" in page.inner_text(".toggles")
    assert "Classic Conditional Access policy" in page.inner_text(".connector")
    shoot(page, "dashboard.png", full=True)
    assert console_errors == []


def test_a_count_link_opens_the_device_list_filtered_to_exactly_those_devices(page: Any, world: Any) -> None:
    expected = sorted(d["azureADDeviceId"] for d in world.graph_devices()
                      if d["operatingSystem"] == "iOS" and d["complianceState"] == "noncompliant")  # fmt: skip
    page.click('.counts a[data-count="ios/noncompliant"]')
    page.wait_for_function(f"document.querySelectorAll('#device-table tbody tr').length === {len(expected)}")
    shown = page.locator("#device-table tbody tr").evaluate_all("rows => rows.map(r => r.dataset.device)")
    assert sorted(shown) == expected
    assert page.locator("#filters select[name=platform]").input_value() == "ios"


def test_search_finds_a_device_by_its_user_and_keeps_the_filter_across_live_updates(page: Any, world: Any) -> None:
    target = next(d for d in world.graph_devices() if d["operatingSystem"] == "Android")
    if not page.locator("#filters").is_visible():  # run on its own: the count link's test left the list open
        page.click("nav a[data-view=devices]")
    page.click("#filters button[type=reset]")
    page.wait_for_function("document.querySelectorAll('#device-table tbody tr').length === 50")
    page.fill("#search", target["userPrincipalName"])
    selector = f'#device-table tbody tr[data-device="{target["azureADDeviceId"]}"]'
    page.wait_for_selector(selector)
    rows = page.locator("#device-table tbody tr")
    users = rows.evaluate_all("rows => rows.map(r => r.children[1].textContent)")
    assert users and all(target["userPrincipalName"] in user for user in users)
    page.wait_for_timeout(2500)  # a poll happens; the search stays and still finds the device
    assert page.locator("#search").input_value() == target["userPrincipalName"]
    assert page.locator(selector).count() == 1
    shoot(page, "dashboard-devices.png")


def test_a_report_sent_during_the_test_appears_on_the_open_device_page_without_a_reload(
    page: Any, world: Any
) -> None:
    device = next(d for d in world.graph_devices() if d["operatingSystem"] == "Android"
                  and d["deviceRegistrationState"] == "registered")  # fmt: skip
    page.goto(f"{world.base}/_sim/dashboard#t={world.tenant}&v=device&d={device['azureADDeviceId']}")
    page.wait_for_selector("text=Compliance, rule by rule")
    page.evaluate("window.loadedOnce = true")
    now = world.control("POST", "/_sim/clock/advance", {"by": "PT1M"})["now"]
    report = {"azureADDeviceId": device["azureADDeviceId"], "platform": "android", "osVersion": device["osVersion"],
              "threatState": "compromised", "reportedDateTime": now}  # fmt: skip
    answer = world.call("POST", "/partner/v1/deviceThreatReports", {"reports": [report]}, world.bearer("partner"))
    assert answer["acceptedCount"] == 1
    page.wait_for_selector(".reasons li.noncompliant:has-text('threatStateBlocks')")
    assert page.locator("h2 .badge").inner_text() == "noncompliant"
    assert "compromised" in page.locator("#device table").first.inner_text()  # the report history
    assert page.evaluate("window.loadedOnce") is True


def test_violations_and_the_conformance_verdict_with_its_downloads(page: Any, world: Any) -> None:
    page.click("nav a[data-view=findings]")
    verdict = page.wait_for_selector("[data-verdict]")
    assert verdict.get_attribute("data-verdict") == "conforms"
    with page.expect_download() as download:
        page.click("text=Markdown")
    assert download.value.suggested_filename == "conformance.md"
    assert "# mtdsim conformance report" in Path(download.value.path()).read_text()


def test_the_tenant_picker_switches_to_a_tenant_without_a_connector_which_is_not_set_up(page: Any, world: Any) -> None:
    created = world.control("POST", "/_sim/tenants", {"displayName": "Fabrikam (no connector yet)"})
    page.click("nav a[data-view=overview]")
    page.wait_for_selector(f'#tenant option[value="{created["id"]}"]', state="attached")
    page.select_option("#tenant", created["id"])
    page.wait_for_selector("[data-not-set-up]")
    assert page.locator("h2").first.inner_text().startswith("Fabrikam (no connector yet)")
    page.select_option("#tenant", world.tenant)
    page.wait_for_selector("[data-connection-status]")


def test_a_clock_advance_past_the_threshold_turns_the_connector_unresponsive_on_screen(
    page: Any, world: Any, console_errors: list[str]
) -> None:
    page.click("nav a[data-view=overview]")
    status = page.locator("[data-connection-status]")
    assert status.inner_text() == "enabled"
    world.control("POST", "/_sim/clock/advance", {"by": "P8D"})
    page.wait_for_function("document.querySelector('[data-connection-status]').textContent === 'unresponsive'")
    assert console_errors == []
