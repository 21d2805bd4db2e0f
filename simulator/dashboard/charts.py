"""Time on the dashboard: the timeline as JSON, and two server-rendered SVG charts of it (no script, no CDN).

Compliance is drawn as lines of noncompliant and compliant devices per sample; reports as bars per virtual hour,
accepted on the bottom and rejections stacked above them by code. Throttled (429) and failed (5xx) answers from the
journal are marked as ticks along the time axis.
"""

from __future__ import annotations

from collections import Counter
from collections.abc import Iterable, Sequence
from datetime import datetime, timedelta
from html import escape
from typing import Any

from simulator.dashboard.timeline import TenantTimeline
from simulator.domain.clock import format_datetime
from simulator.service.state import JournalEntry

__all__ = ["Marks", "compliance_svg", "marks", "reports_svg", "timeline_view"]

Marks = list[tuple[datetime, int]]
WIDTH, HEIGHT, PAD_LEFT, PAD_BOTTOM, PAD_TOP = 640, 180, 48, 28, 12
COLOURS = {"compliant": "#2e7d32", "noncompliant": "#c62828", "accepted": "#1565c0", "throttled": "#ef6c00",
           "failed": "#6a1b9a"}  # fmt: skip
REJECTION_COLOURS = ("#e53935", "#fb8c00", "#8e24aa", "#6d4c41", "#00897b", "#546e7a", "#d81b60")


def marks(journal: Iterable[JournalEntry], tenant_id: str) -> Marks:
    """Throttled and failed answers to partners and admins of the tenant (or of no tenant yet: an injected fault
    answers before authentication), from the journal's retained window."""
    return [(e.time, e.status) for e in journal
            if (e.status == 429 or e.status >= 500) and e.tenant in (tenant_id, None)
            and not e.route.startswith("/_sim")]  # fmt: skip


def timeline_view(line: TenantTimeline, found: Marks, now: datetime) -> dict[str, Any]:
    return {
        "now": format_datetime(now),
        "compliance": [{"at": format_datetime(s.at), "counts": dict(s.counts), "scanned": s.scanned,
                        "devices": s.devices} for s in line.samples],
        "reports": [b.to_wire(format_datetime) for _, b in sorted(line.buckets.items())],
        "marks": [{"at": format_datetime(at), "status": status} for at, status in found],
    }


def compliance_svg(line: TenantTimeline, found: Marks, now: datetime) -> str:
    samples = list(line.samples)
    series: dict[str, list[tuple[datetime, int]]] = {"compliant": [], "noncompliant": []}
    for sample in samples:
        for state, points in series.items():
            points.append((sample.at, sum(n for key, n in sample.counts.items() if key.endswith("/" + state))))
    times = [s.at for s in samples]
    frame = _Frame(times, now, max((n for points in series.values() for _, n in points), default=0))
    parts = frame.axes("devices")
    for state, points in series.items():
        if points:
            path = " ".join(f"{frame.x(at):.1f},{frame.y(n):.1f}" for at, n in points)
            parts.append(f'<polyline fill="none" stroke="{COLOURS[state]}" stroke-width="2" points="{path}">'
                         f"<title>{state}</title></polyline>")  # fmt: skip
    parts += frame.marks(found) + frame.legend([(s, COLOURS[s]) for s in series])
    if not samples:
        parts.append(frame.empty("no compliance samples yet"))
    return frame.svg("Compliance over virtual time", parts)


def reports_svg(line: TenantTimeline, found: Marks, now: datetime) -> str:
    buckets = [b for _, b in sorted(line.buckets.items())]
    codes = sorted({code for b in buckets for code in b.rejected})
    colours = {code: REJECTION_COLOURS[i % len(REJECTION_COLOURS)] for i, code in enumerate(codes)}
    top = max((b.accepted + sum(b.rejected.values()) for b in buckets), default=0)
    frame = _Frame([b.start for b in buckets] + [b.start + timedelta(hours=1) for b in buckets], now, top)
    parts = frame.axes("reports / hour")
    for bucket in buckets:
        x0, x1 = frame.x(bucket.start), frame.x(bucket.start + timedelta(hours=1))
        width = max(x1 - x0 - 1, 1.0)
        stack: Sequence[tuple[str, int, str]] = [("accepted", bucket.accepted, COLOURS["accepted"])] + [
            (code, bucket.rejected[code], colours[code]) for code in codes if bucket.rejected[code]]
        base = 0
        for name, n, colour in stack:
            y_top, y_bottom = frame.y(base + n), frame.y(base)
            parts.append(f'<rect x="{x0:.1f}" y="{y_top:.1f}" width="{width:.1f}" height="{y_bottom - y_top:.1f}" '
                         f'fill="{colour}"><title>{escape(name)}: {n} at {format_datetime(bucket.start)}</title>'
                         "</rect>")  # fmt: skip
            base += n
    legend = [("accepted", COLOURS["accepted"])] + [(f"rejected {c}", colours[c]) for c in codes]
    parts += frame.marks(found) + frame.legend(legend)
    if not buckets:
        parts.append(frame.empty("no reports yet"))
    return frame.svg("Reports over virtual time", parts)


class _Frame:
    """Scales from virtual time and counts to the chart's pixels."""

    def __init__(self, times: Sequence[datetime], now: datetime, top: int) -> None:
        self.start = min(times, default=now)
        self.end = max([*times, now]) if times else now + timedelta(hours=1)
        if self.end <= self.start:
            self.end = self.start + timedelta(hours=1)
        self.top = max(top, 1)
        self.now = now

    def x(self, at: datetime) -> float:
        share = (at - self.start) / (self.end - self.start)
        return PAD_LEFT + max(0.0, min(1.0, share)) * (WIDTH - PAD_LEFT - 8)

    def y(self, n: float) -> float:
        return HEIGHT - PAD_BOTTOM - n / self.top * (HEIGHT - PAD_BOTTOM - PAD_TOP)

    def axes(self, unit: str) -> list[str]:
        bottom = HEIGHT - PAD_BOTTOM
        parts = [f'<line x1="{PAD_LEFT}" y1="{bottom}" x2="{WIDTH - 8}" y2="{bottom}" stroke="#9e9e9e"/>',
                 f'<line x1="{PAD_LEFT}" y1="{PAD_TOP}" x2="{PAD_LEFT}" y2="{bottom}" stroke="#9e9e9e"/>',
                 f'<text x="{PAD_LEFT - 4}" y="{PAD_TOP + 4}" text-anchor="end">{self.top}</text>',
                 f'<text x="{PAD_LEFT - 4}" y="{bottom}" text-anchor="end">0</text>',
                 f'<text x="4" y="{PAD_TOP + 70}" transform="rotate(-90 10 {PAD_TOP + 70})">{unit}</text>',
                 f'<text x="{PAD_LEFT}" y="{HEIGHT - 8}">{_label(self.start)}</text>',
                 f'<text x="{WIDTH - 8}" y="{HEIGHT - 8}" text-anchor="end">{_label(self.end)}</text>']  # fmt: skip
        now_x = self.x(self.now)
        parts.append(f'<line x1="{now_x:.1f}" y1="{PAD_TOP}" x2="{now_x:.1f}" y2="{bottom}" stroke="#424242" '
                     'stroke-dasharray="3 3"><title>virtual now</title></line>')  # fmt: skip
        return parts

    def marks(self, found: Marks) -> list[str]:
        bottom = HEIGHT - PAD_BOTTOM
        by_x: Counter[tuple[int, str]] = Counter()
        for at, status in found:
            if self.start <= at <= self.end:
                by_x[round(self.x(at)), "throttled" if status == 429 else "failed"] += 1
        return [f'<line class="mark" x1="{x}" y1="{bottom}" x2="{x}" y2="{bottom - 8}" stroke="{COLOURS[kind]}" '
                f'stroke-width="2"><title>{n} {kind} answer(s)</title></line>'
                for (x, kind), n in sorted(by_x.items())]  # fmt: skip

    def legend(self, entries: list[tuple[str, str]]) -> list[str]:
        parts, x = [], PAD_LEFT + 8
        for name, colour in entries:
            parts.append(f'<rect x="{x}" y="2" width="10" height="10" fill="{colour}"/>'
                         f'<text x="{x + 14}" y="11">{escape(name)}</text>')  # fmt: skip
            x += 24 + 7 * len(name)
        return parts

    def empty(self, text: str) -> str:
        return f'<text x="{WIDTH / 2}" y="{HEIGHT / 2}" text-anchor="middle" fill="#757575">{text}</text>'

    def svg(self, title: str, parts: list[str]) -> str:
        return (f'<svg xmlns="http://www.w3.org/2000/svg" viewBox="0 0 {WIDTH} {HEIGHT}" role="img" '
                f'font-family="system-ui,sans-serif" font-size="11"><title>{title}</title>{"".join(parts)}</svg>')


def _label(at: datetime) -> str:
    return at.strftime("%Y-%m-%d %H:%M")
