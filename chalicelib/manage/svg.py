"""Charts drawn on the server as inline SVG: no script, no CDN, readable with CSS off."""

from __future__ import annotations

from collections.abc import Callable, Mapping
from datetime import date, timedelta
from html import escape

CELL = 14
GAP = 3
# Light to dark green by share of members who checked in that day.
SHADES = ("#ebedf0", "#c6e48b", "#7bc96f", "#239a3b", "#196127")


def shade(count: int, members: int) -> str:
    if count <= 0:
        return SHADES[0]
    share = count / members if members else 1.0
    level = 1 if share < 0.25 else 2 if share < 0.5 else 3 if share < 0.75 else 4
    return SHADES[level]


def heatmap_svg(
    first: date,
    today: date,
    days: Mapping[date, int],
    members: int,
    label: Callable[[date, int], str],
) -> str:
    """Weeks as columns (Monday first), days as rows, from ``first`` to ``today``."""
    weeks = (today - first).days // 7 + 1
    left, top = 28, 16
    width, height = left + weeks * (CELL + GAP), top + 7 * (CELL + GAP)
    parts = [
        f'<svg id="heatmap" role="img" width="{width}" height="{height}" '
        f'viewBox="0 0 {width} {height}" xmlns="http://www.w3.org/2000/svg">'
    ]
    for row, name in ((0, "Mon"), (2, "Wed"), (4, "Fri")):
        parts.append(f'<text x="0" y="{top + row * (CELL + GAP) + 11}">{name}</text>')
    day = first
    while day <= today:
        week, weekday = (day - first).days // 7, day.weekday()
        if weekday == 0 and day.day <= 7:
            parts.append(f'<text x="{left + week * (CELL + GAP)}" y="10">{day:%b}</text>')
        count = days.get(day, 0)
        parts.append(
            f'<rect class="day" data-date="{day.isoformat()}" data-count="{count}" '
            f'x="{left + week * (CELL + GAP)}" y="{top + weekday * (CELL + GAP)}" '
            f'width="{CELL}" height="{CELL}" rx="2" fill="{shade(count, members)}">'
            f"<title>{escape(label(day, count))}</title></rect>"
        )
        day += timedelta(days=1)
    parts.append("</svg>")
    return "".join(parts)


def rate_svg(weeks: list[tuple[date, float]], label: Callable[[date, float], str]) -> str:
    """One bar per week, its height the share of possible check-ins made."""
    bars = [
        ("week", monday.isoformat(), f"{monday:%m-%d}", rate, label(monday, rate))
        for monday, rate in weeks
    ]
    return _bars_svg("rate", bars, bar=30, gap=8)


def month_rates_svg(
    months: list[tuple[str, float]], svg_id: str, label: Callable[[str, float], str]
) -> str:
    """One bar per month (``2026-11``), its height a rate between 0 and 1."""
    bars = [("month", month, month, rate, label(month, rate)) for month, rate in months]
    return _bars_svg(svg_id, bars, bar=40, gap=10)


def _bars_svg(
    svg_id: str, bars: list[tuple[str, str, str, float, str]], *, bar: int, gap: int
) -> str:
    """Bars of rates between 0 and 1, each ``(kind, key, caption, rate, title)``: the rect
    carries ``data-<kind>="key"`` and ``data-rate``; the rate and the caption underneath."""
    chart = 100
    width, height = max(len(bars), 1) * (bar + gap), chart + 30
    parts = [
        f'<svg id="{escape(svg_id)}" role="img" width="{width}" height="{height}" '
        f'viewBox="0 0 {width} {height}" xmlns="http://www.w3.org/2000/svg">'
    ]
    for i, (kind, key, caption, rate, title) in enumerate(bars):
        h = round(min(max(rate, 0.0), 1.0) * chart)
        x = i * (bar + gap)
        parts.append(
            f'<rect class="{kind}" data-{kind}="{escape(key)}" data-rate="{rate:.3f}" '
            f'x="{x}" y="{chart - h}" width="{bar}" height="{h}" fill="#3b7dd8">'
            f"<title>{escape(title)}</title></rect>"
            f'<text x="{x}" y="{chart + 12}">{rate:.0%}</text>'
            f'<text x="{x}" y="{chart + 25}">{escape(caption)}</text>'
        )
    parts.append("</svg>")
    return "".join(parts)
