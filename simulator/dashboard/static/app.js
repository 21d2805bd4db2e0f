// mtdsim dashboard: renders the /_sim/views/... JSON and polls it every 2 s.
// The view and its filters live in the URL fragment, so a reload or a shared link shows the same thing; polling
// replaces only data regions (never the filter inputs), so typing, focus and scroll survive every update.
"use strict";

const POLL_MS = 2000;
const FILTERS = ["search", "platform", "compliance", "rule", "owner", "threatState", "connector"];
const $ = (id) => document.getElementById(id);

function h(tag, attrs, ...children) {
  const node = document.createElement(tag);
  for (const [name, value] of Object.entries(attrs || {})) {
    if (value === null || value === undefined || value === false) continue;
    if (name === "class") node.className = value;
    else if (name.startsWith("on")) node.addEventListener(name.slice(2), value);
    else node.setAttribute(name, value === true ? "" : value);
  }
  for (const child of children.flat()) {
    if (child === null || child === undefined || child === false) continue;
    node.append(child instanceof Node ? child : document.createTextNode(String(child)));
  }
  return node;
}

function params() {
  return new URLSearchParams(location.hash.slice(1));
}

function link(changes) {
  const next = params();
  for (const [name, value] of Object.entries(changes)) {
    if (value === null || value === undefined || value === "") next.delete(name);
    else next.set(name, value);
  }
  return "#" + next.toString();
}

function go(changes, replace) {
  const target = link(changes);
  if (replace) history.replaceState(null, "", target);
  else history.pushState(null, "", target);
  render();
}

async function getJson(url) {
  const response = await fetch(url, {credentials: "same-origin", headers: {Accept: "application/json"}});
  if (response.status === 401) {
    location.href = "/_sim/dashboard";
    throw new Error("signed out");
  }
  if (!response.ok) throw new Error(`${url}: ${response.status}`);
  return response.json();
}

async function getText(url) {
  const response = await fetch(url, {credentials: "same-origin"});
  if (!response.ok) throw new Error(`${url}: ${response.status}`);
  return response.text();
}

function tenantPath() {
  return `/_sim/views/tenants/${encodeURIComponent(params().get("t") || "")}`;
}

function badge(state) {
  return h("span", {class: `badge ${state}`}, state);
}

function when(text) {
  return text ? text.replace("T", " ").replace(/(\.\d+)?Z$/, "") : "never";
}

// -- header: clock and tenant picker ---------------------------------------------------------------------------

async function refreshTenants() {
  const body = await getJson("/_sim/views/tenants");
  $("clock").textContent = when(body.now) + (body.ticking ? "" : " (frozen)");
  const picker = $("tenant");
  const current = params().get("t");
  const options = body.value.map((t) => h("option", {value: t.id, selected: t.id === current},
    `${t.displayName} (${t.deviceCount} devices)`));
  if (picker.dataset.options !== JSON.stringify(body.value.map((t) => [t.id, t.displayName, t.deviceCount]))) {
    picker.dataset.options = JSON.stringify(body.value.map((t) => [t.id, t.displayName, t.deviceCount]));
    picker.replaceChildren(...options);
  }
  if (!current && body.value.length) {
    history.replaceState(null, "", link({t: body.value[body.value.length - 1].id}));
  }
  picker.value = params().get("t") || "";
  return body;
}

// -- overview -------------------------------------------------------------------------------------------------

function countLink(count, filters) {
  return h("a", {href: link({v: "devices", d: null, skip: null, ...filters}), "data-count": Object.values(filters).join("/")},
    String(count));
}

function toggleRow(toggle) {
  const value = typeof toggle.value === "boolean"
    ? h("span", {class: `switch ${toggle.value ? "on" : "off"}`}, toggle.value ? "On" : "Off")
    : h("b", {}, String(toggle.value));
  return h("li", {class: toggle.child ? "child" : null, "data-property": toggle.property},
    h("span", {class: "label"}, toggle.label), value);
}

function connectorCard(connector) {
  const policies = connector.classicPolicies.length
    ? connector.classicPolicies.map((p) => h("p", {class: "muted"}, "Classic Conditional Access policy: ",
      h("b", {}, p.displayName), ` (${p.state}, created ${when(p.createdDateTime)})`))
    : [h("p", {class: "muted"}, "No classic Conditional Access policy (created when a platform is first enabled).")];
  const counts = connector.counts;
  return h("article", {class: "card connector", "data-connector": connector.id},
    h("h3", {}, connector.partner),
    h("dl", {class: "facts"},
      h("dt", {}, "Connection status"), h("dd", {}, h("span", {class: `status ${connector.connectionStatus}`,
        "data-connection-status": connector.id}, connector.connectionStatus)),
      h("dt", {}, "Last synchronized"), h("dd", {"data-last-sync": connector.id}, when(connector.lastSynchronized)),
      h("dt", {}, "Devices it judges"), h("dd", {},
        countLink(counts.compliant, {connector: connector.id, compliance: "compliant"}), " compliant, ",
        countLink(counts.noncompliant, {connector: connector.id, compliance: "noncompliant"}), " noncompliant")),
    h("ul", {class: "toggles"}, connector.toggles.map(toggleRow)),
    policies);
}

async function renderOverview(section) {
  const body = await getJson(`${tenantPath()}/overview`);
  const [complianceSvg, reportsSvg] = await Promise.all([
    getText(`${tenantPath()}/charts/compliance.svg`), getText(`${tenantPath()}/charts/reports.svg`)]);
  const rows = Object.entries(body.counts.byPlatform).map(([platform, states]) => h("tr", {},
    h("th", {}, platform === "ios" ? "iOS/iPadOS" : "Android"),
    h("td", {}, countLink(states.compliant, {platform, compliance: "compliant"})),
    h("td", {}, countLink(states.noncompliant, {platform, compliance: "noncompliant"}))));
  const rules = Object.entries(body.counts.byRule).sort((a, b) => b[1] - a[1]).map(([rule, n]) =>
    h("li", {}, countLink(n, {rule}), ` devices blocked by ${rule}`));
  const partial = body.counts.complete ? null
    : h("p", {class: "warn"}, `Counted over the first ${body.counts.scanned} of ${body.counts.devices} devices.`);
  const chartBox = (title, svg) => {
    const box = h("figure", {class: "card chart"}, h("figcaption", {}, title));
    box.insertAdjacentHTML("beforeend", svg);  // server-rendered SVG, escaped by the server
    return box;
  };
  section.replaceChildren(
    h("h2", {}, body.displayName, h("small", {}, body.tenantId)),
    body.setUp ? h("table", {class: "list"}, h("thead", {}, h("tr", {}, h("th", {}, "Name"),
      h("th", {}, "Connection status"), h("th", {}, "Last synchronized"))),
      h("tbody", {}, body.connectors.map((c) => h("tr", {}, h("td", {}, c.partner),
        h("td", {}, h("span", {class: `status ${c.connectionStatus}`}, c.connectionStatus)),
        h("td", {}, when(c.lastSynchronized))))))
      : h("div", {class: "card notsetup", "data-not-set-up": ""}, h("h3", {}, "Not set up"),
        h("p", {}, "No Mobile Threat Defense connector has been added to this tenant. An admin adds one with ",
          h("code", {}, "POST /beta/deviceManagement/mobileThreatDefenseConnectors"), " (Intune's Add).")),
    h("div", {class: "grid"},
      h("article", {class: "card"}, h("h3", {}, "Device compliance"),
        h("table", {class: "counts"}, h("thead", {}, h("tr", {}, h("th", {}), h("th", {}, "Compliant"),
          h("th", {}, "Noncompliant"))), h("tbody", {}, rows)),
        partial, rules.length ? h("ul", {class: "rules"}, rules) : h("p", {class: "muted"}, "No device is blocked."),
        h("p", {class: "muted"}, body.policies.length
          ? "Policies: " + body.policies.map((p) => `${p.displayName} requires ${p.requiredLevel}`).join("; ")
          : "No compliance policy requires a device threat level: every device counts as compliant.")),
      chartBox("Compliance over virtual time", complianceSvg),
      chartBox("Reports over virtual time (throttled and failed answers marked)", reportsSvg)),
    h("div", {class: "grid"}, body.connectors.map(connectorCard)));
}

// -- device list ----------------------------------------------------------------------------------------------

function syncFilterInputs() {
  const p = params();
  const form = $("filters");
  for (const name of FILTERS) {
    const input = form.elements[name];
    if (document.activeElement !== input && input.value !== (p.get(name) || "")) input.value = p.get(name) || "";
  }
  for (const th of document.querySelectorAll("#device-table th[data-sort]")) {
    const sorted = (p.get("sort") || "name") === th.dataset.sort;
    th.className = sorted ? (p.get("order") === "desc" ? "sorted desc" : "sorted") : "";
  }
}

async function renderDevices() {
  syncFilterInputs();
  const p = params();
  const query = new URLSearchParams();
  for (const name of [...FILTERS, "sort", "order", "skip"]) if (p.get(name)) query.set(name, p.get(name));
  query.set("top", "50");
  const body = await getJson(`${tenantPath()}/devices?${query}`);
  const rows = body.value.map((d) => h("tr", {"data-device": d.azureADDeviceId},
    h("td", {}, h("a", {href: link({v: "device", d: d.azureADDeviceId})}, d.deviceName || d.azureADDeviceId),
      h("div", {class: "id"}, d.azureADDeviceId)),
    h("td", {}, d.userPrincipalName), h("td", {}, d.platform), h("td", {}, d.osVersion), h("td", {}, d.ownerType),
    h("td", {}, badge(d.complianceState)), h("td", {}, d.partnerReportedThreatState),
    h("td", {}, when(d.lastReportDateTime)),
    h("td", {class: "why"}, d.reasons.filter((r) => r.noncompliant).map((r) => h("div", {}, `${r.rule}: ${r.detail}`)))));
  $("device-table").tBodies[0].replaceChildren(...rows);
  const scanned = body.complete ? "" : ` (searched the first ${body.scanned} of ${body.total})`;
  $("device-summary").textContent = `${body.matched} of ${body.total} devices match${scanned}.`;
  const skip = body.skip;
  $("page").textContent = body.matched ? `${skip + 1}-${Math.min(skip + body.top, body.matched)} of ${body.matched}` : "";
  $("prev").disabled = skip === 0;
  $("next").disabled = skip + body.top >= body.matched;
}

// -- one device -----------------------------------------------------------------------------------------------

function table(headings, rows, empty) {
  if (!rows.length) return h("p", {class: "muted"}, empty);
  return h("div", {class: "scroll"}, h("table", {class: "list"}, h("thead", {}, h("tr", {}, headings.map((x) => h("th", {}, x)))),
    h("tbody", {}, rows.map((row) => h("tr", {}, row.map((cell) => h("td", {}, cell)))))));
}

async function renderDevice(section) {
  const d = await getJson(`${tenantPath()}/devices/${encodeURIComponent(params().get("d"))}`);
  section.replaceChildren(
    h("p", {}, h("a", {href: link({v: "devices", d: null})}, "\u2039 All devices")),
    h("h2", {}, d.deviceName || d.azureADDeviceId, " ", badge(d.complianceState)),
    h("div", {class: "grid"},
      h("article", {class: "card"}, h("h3", {}, "Device"), h("dl", {class: "facts"},
        [["Azure AD device id", d.azureADDeviceId], ["User", d.userPrincipalName], ["Platform", `${d.platform} ${d.osVersion}`],
          ["Model", `${d.manufacturer} ${d.model}`.trim() || "not known"], ["Owner", d.ownerType], ["Registration", d.deviceRegistrationState],
          ["Enrolled", when(d.enrolledDateTime)], ["Partner says", d.partnerReportedThreatState],
          ["Last report", when(d.lastReportDateTime)]].flatMap(([k, v]) => [h("dt", {}, k), h("dd", {}, v)]))),
      h("article", {class: "card"}, h("h3", {}, "Compliance, rule by rule"), h("ul", {class: "reasons"},
        d.reasons.map((r) => h("li", {class: r.noncompliant ? "noncompliant" : "compliant"},
          h("b", {}, r.rule), `: ${r.detail}`))))),
    h("h3", {}, "Report history"),
    table(["received", "connector", "reported", "threat state", "threats", "outcome"], d.reportHistory.map((r) =>
      [when(r.receivedDateTime), r.connectorId, when(r.reportedDateTime), r.threatState, r.threats,
        r.status + (r.code ? ` (${r.code})` : "")]), "No report about this device among the newest the mock keeps."),
    h("h3", {}, "App Sync inventory"),
    table(["app", "bundle id", "version", "managed"], d.installedApps.map((a) => [a.name, a.bundleId, a.version,
      a.isManaged ? "yes" : "no"]), "No installed apps (App Sync serves iOS devices)."),
    h("h3", {}, "Requests about it in the journal"),
    table(["time", "method", "route", "status", "client"], d.requests.map((r) => [when(r.time), r.method, r.path,
      r.status, r.clientId || ""]), "No request in the journal names this device."));
}

// -- violations and conformance -------------------------------------------------------------------------------

async function renderFindings(section) {
  const p = params();
  const query = new URLSearchParams();
  for (const name of ["client", "address", "token", "code", "route", "since", "until"]) {
    if (p.get(name)) query.set(name, p.get(name));
  }
  const [verdict, found] = await Promise.all([getJson("/_sim/views/conformance"), getJson(`/_sim/views/violations?${query}`)]);
  const existing = section.querySelector("form");
  const form = existing || h("form", {class: "filters", id: "violation-filters", autocomplete: "off"},
    h("select", {name: "client"}), h("select", {name: "address"}), h("select", {name: "token"}),
    h("select", {name: "code"}),
    h("input", {name: "route", type: "search", placeholder: "route contains"}),
    h("input", {name: "since", placeholder: "since (virtual, ISO 8601)"}),
    h("input", {name: "until", placeholder: "until (virtual, ISO 8601)"}));
  if (!existing) {
    form.addEventListener("input", () => go(Object.fromEntries(new FormData(form)), true));
    form.addEventListener("submit", (event) => event.preventDefault());
  }
  const options = (name, values, all) => {
    const select = form.elements[name];
    select.replaceChildren(h("option", {value: ""}, all), ...values.map((v) => h("option", {value: v}, v)));
    select.value = p.get(name) || "";
  };
  options("client", found.clients, "any client (app)");
  options("address", found.addresses, "any address");
  options("token", found.tokens, "any token");
  options("code", found.codes, "any code");
  for (const name of ["route", "since", "until"]) {
    if (document.activeElement !== form.elements[name]) form.elements[name].value = p.get(name) || "";
  }
  const traffic = verdict.traffic || {};
  const results = h("div", {id: "findings-data"},
    h("div", {class: `card verdict ${verdict.conforms ? "good" : "bad"}`, "data-verdict": verdict.conforms ? "conforms" : "fails"},
      h("h3", {}, verdict.conforms ? "Conforms: no violations recorded" : "Does NOT conform"),
      h("p", {}, `${traffic.reportsAccepted || 0} reports accepted, ${Object.values(traffic.reportsRejected || {})
        .reduce((a, b) => a + b, 0)} rejected, ${traffic.heartbeats || 0} heartbeats.`),
      h("p", {}, "Download the report: ", h("a", {href: verdict.downloads.markdown, download: "conformance.md"}, "Markdown"),
        " \u00b7 ", h("a", {href: verdict.downloads.json, download: "conformance.json"}, "JSON"))),
    h("p", {class: "muted"}, `${found.matched} of ${found.total} violations match` +
      (found.dropped ? ` (${found.dropped} older ones were dropped)` : "") + "."),
    table(["time", "code", "client", "address", "token", "route", "pointer", "message"], found.value.map((v) =>
      [when(v.time), v.code, v.clientId || "", v.address || "", v.token || "", v.route, v.pointer || "", v.message]),
    "No violation matches."));
  const old = section.querySelector("#findings-data");
  if (!existing) section.replaceChildren(h("h2", {}, "Violations and conformance"), form, results);
  else old.replaceWith(results);
}

// -- routing and polling --------------------------------------------------------------------------------------

let busy = false;

async function render() {
  if (busy) return;
  busy = true;
  try {
    await refreshTenants();
    const p = params();
    const view = p.get("v") || "overview";
    for (const tab of document.querySelectorAll("nav a")) {
      tab.classList.toggle("active", tab.dataset.view === view || (view === "device" && tab.dataset.view === "devices"));
    }
    for (const name of ["overview", "devices", "device", "findings"]) $(name).hidden = name !== view;
    if (!p.get("t") && view !== "findings") {
      $(view).replaceChildren(h("p", {class: "muted"}, "No tenant yet."));
    } else if (view === "overview") await renderOverview($("overview"));
    else if (view === "devices") await renderDevices();
    else if (view === "device") await renderDevice($("device"));
    else await renderFindings($("findings"));
    $("live").className = "live";
  } catch (error) {
    $("live").className = "live stale";
    $("live").title = String(error);
  } finally {
    busy = false;
  }
}

function wire() {
  for (const tab of document.querySelectorAll("nav a")) {
    tab.addEventListener("click", (event) => {
      event.preventDefault();
      go({v: tab.dataset.view, d: null});
    });
  }
  $("tenant").addEventListener("change", (event) => go({t: event.target.value, d: null, skip: null,
    v: params().get("v") === "device" ? "devices" : params().get("v")}));
  const form = $("filters");
  form.addEventListener("input", () => go({...Object.fromEntries(new FormData(form)), skip: null}, true));
  form.addEventListener("submit", (event) => event.preventDefault());
  form.addEventListener("reset", () => setTimeout(() => go(Object.fromEntries(FILTERS.map((f) => [f, null])), true)));
  for (const th of document.querySelectorAll("#device-table th[data-sort]")) {
    th.addEventListener("click", () => {
      const same = (params().get("sort") || "name") === th.dataset.sort;
      go({sort: th.dataset.sort, order: same && params().get("order") !== "desc" ? "desc" : null, skip: null}, true);
    });
  }
  $("prev").addEventListener("click", () => go({skip: Math.max(0, Number(params().get("skip") || 0) - 50) || null}, true));
  $("next").addEventListener("click", () => go({skip: Number(params().get("skip") || 0) + 50}, true));
  window.addEventListener("popstate", render);
  window.addEventListener("hashchange", render);
  render();
  setInterval(render, POLL_MS);
}

wire();
