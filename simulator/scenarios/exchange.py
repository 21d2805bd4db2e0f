"""One HTTP request and its response as a scenario saw them, with a curl line that replays the request."""

from __future__ import annotations

import json
import shlex
from collections.abc import Mapping
from dataclasses import dataclass, field
from typing import Any
from urllib.parse import urlencode

import aiohttp

__all__ = ["Exchange", "send"]

# Headers that hold secrets are shown shortened, so a failure report can be pasted into a ticket.
_SECRET_HEADERS = ("authorization", "x-mtdsim-control-key")


@dataclass(frozen=True, slots=True)
class Exchange:
    method: str
    url: str
    request_headers: Mapping[str, str] = field(default_factory=dict)
    request_body: Any = None  # parsed JSON, a form dict, or raw text
    body_kind: str = "none"  # none | json | form | text
    status: int = 0
    response_headers: Mapping[str, str] = field(default_factory=dict)
    response_body: Any = None  # parsed JSON when possible, else text

    def curl(self) -> str:
        parts = ["curl", "-i", "-X", self.method, shlex.quote(self.url)]
        for name, value in self.request_headers.items():
            parts += ["-H", shlex.quote(f"{name}: {value}")]
        if self.body_kind == "json":
            parts += ["--data-raw", shlex.quote(json.dumps(self.request_body))]
        elif self.body_kind == "form":
            parts += ["--data-raw", shlex.quote(urlencode(self.request_body))]
        elif self.body_kind == "text":
            parts += ["--data-raw", shlex.quote(str(self.request_body))]
        return " ".join(parts)

    def describe_request(self) -> str:
        lines = [f"{self.method} {self.url}"]
        lines += [f"{k}: {_shown(k, v)}" for k, v in self.request_headers.items()]
        if self.body_kind != "none":
            lines.append(_pretty(self.request_body))
        return "\n".join(lines)

    def describe_response(self) -> str:
        interesting = ("content-type", "retry-after", "request-id", "www-authenticate")
        lines = [f"HTTP {self.status}"]
        lines += [f"{k}: {v}" for k, v in self.response_headers.items() if k.lower() in interesting]
        if self.response_body not in (None, ""):
            lines.append(_pretty(self.response_body))
        return "\n".join(lines)


def _shown(name: str, value: str) -> str:
    if name.lower() in _SECRET_HEADERS and len(value) > 24:
        return value[:20] + "..."
    return value


def _pretty(body: Any) -> str:
    if isinstance(body, str):
        return body if len(body) <= 4000 else body[:4000] + "..."
    text = json.dumps(body, indent=2, sort_keys=False)
    return text if len(text) <= 4000 else text[:4000] + "\n..."


async def send(
    session: aiohttp.ClientSession,
    method: str,
    url: str,
    *,
    headers: Mapping[str, str] | None = None,
    json_body: Any = None,
    form: Mapping[str, str] | None = None,
    text: str | None = None,
) -> Exchange:
    """Send one request and read the whole answer; JSON bodies are parsed, others kept as text."""
    sent_headers = dict(headers or {})
    data: Any = None
    kind = "none"
    if form is not None:
        data, kind = dict(form), "form"
        sent_headers.setdefault("Content-Type", "application/x-www-form-urlencoded")
        data = urlencode(data)
    elif text is not None:
        data, kind = text, "text"
    elif json_body is not None:
        data, kind = json.dumps(json_body), "json"
        sent_headers.setdefault("Content-Type", "application/json")
    async with session.request(method, url, headers=sent_headers, data=data) as response:
        raw = await response.text()
        headers_in = {k: v for k, v in response.headers.items()}
        status = response.status
    body: Any = raw
    if raw and "json" in headers_in.get("Content-Type", ""):
        try:
            body = json.loads(raw)
        except ValueError:
            body = raw
    request_body = dict(form) if form is not None else text if text is not None else json_body
    return Exchange(method, url, sent_headers, request_body, kind, status, headers_in, body)
