"""The two HTML documents: the sign-in form and the page shell the script (static/app.js) fills from the views."""

from __future__ import annotations

__all__ = ["shell", "sign_in"]

_HEAD = ('<!doctype html><html lang="en"><head><meta charset="utf-8">'
         '<meta name="viewport" content="width=device-width, initial-scale=1">'
         '<link rel="icon" href="data:,"><link rel="stylesheet" href="/_sim/dashboard/static/app.css">')  # fmt: skip


def sign_in(*, failed: bool = False) -> str:
    note = '<p class="error" role="alert">That is not the control key.</p>' if failed else ""
    return (f"{_HEAD}<title>mtdsim: sign in</title></head><body class=\"signin\"><main class=\"card\">"
            "<h1>mtdsim dashboard</h1><p>Enter the control key <code>mtdsim serve</code> printed at start. "
            "It is kept in an HttpOnly cookie for this browser session.</p>"
            f'{note}<form method="post" action="/_sim/dashboard/session">'
            '<label>Control key <input name="key" type="password" autocomplete="off" required autofocus></label>'
            '<button type="submit">Sign in</button></form></main></body></html>')  # fmt: skip


def shell() -> str:
    return (f"{_HEAD}<title>mtdsim: Mobile Threat Defense</title></head><body>"
            '<header class="bar"><span class="brand">mtdsim</span>'
            '<span class="crumb">Tenant administration &rsaquo; Connectors and tokens &rsaquo; '
            "Mobile Threat Defense</span>"
            '<label class="picker">Tenant <select id="tenant"></select></label>'
            '<span class="clock">Virtual time <b id="clock">&hellip;</b></span>'
            '<span id="live" class="live" title="updates every 2 s">live</span></header>'
            '<nav class="tabs"><a data-view="overview" href="#">Overview</a><a data-view="devices" href="#">Devices</a>'
            '<a data-view="findings" href="#">Violations and conformance</a></nav>'
            '<main><section id="overview" hidden></section>'
            '<section id="devices" hidden><form id="filters" class="filters" autocomplete="off">'
            '<input id="search" name="search" type="search" placeholder="Search device id, name or user">'
            '<select name="platform"><option value="">any platform</option><option>android</option>'
            "<option>ios</option></select>"
            '<select name="compliance"><option value="">any compliance</option><option>compliant</option>'
            "<option>noncompliant</option></select>"
            '<select name="rule"><option value="">any blocking rule</option><option>threatLevel</option>'
            "<option>threatStateBlocks</option><option>missingPartnerData</option>"
            "<option>unsupportedOsVersion</option><option>noConnectorEnabled</option></select>"
            '<select name="owner"><option value="">any owner</option><option>company</option>'
            "<option>personal</option></select>"
            '<select name="threatState"><option value="">any partner-reported state</option><option>none</option>'
            "<option>secured</option><option>lowSeverity</option><option>mediumSeverity</option>"
            "<option>highSeverity</option><option>compromised</option><option>misconfigured</option>"
            "<option>activated</option><option>deactivated</option><option>unknown</option></select>"
            '<input type="hidden" name="connector"><button type="reset">Clear</button></form>'
            '<p id="device-summary" class="muted"></p><div class="scroll"><table id="device-table"><thead><tr>'
            '<th data-sort="name">Device</th><th data-sort="user">User</th><th data-sort="platform">Platform</th>'
            '<th data-sort="osVersion">OS</th><th>Owner</th><th data-sort="complianceState">Compliance</th>'
            '<th data-sort="threatState">Partner says</th><th data-sort="lastReport">Last report</th>'
            "<th>Why</th></tr></thead><tbody></tbody></table></div>"
            '<p class="pager"><button id="prev" type="button">&lsaquo; Previous</button> <span id="page"></span> '
            '<button id="next" type="button">Next &rsaquo;</button></p></section>'
            '<section id="device" hidden></section><section id="findings" hidden></section></main>'
            '<script src="/_sim/dashboard/static/app.js"></script></body></html>')  # fmt: skip
