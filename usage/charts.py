"""Bar charts as plain data for inline SVG templates: no script, no external asset."""

from __future__ import annotations

from collections.abc import Callable
from datetime import datetime


def bar_chart(
    points: list[tuple[datetime, int]],
    *,
    bar_width: int,
    height: int = 180,
    label: Callable[[datetime], str | None] = lambda _at: None,
) -> dict:
    """Bars scaled to the peak (a non-zero count is at least 1 px) and axis labels wherever
    `label` returns text. Keys: bars (x, y, height, at, count), labels (x, text), peak, total,
    chart_width, chart_height, bar_width."""
    peak = max((count for _at, count in points), default=0)
    bars, labels = [], []
    for i, (at, count) in enumerate(points):
        bar_height = round(count / peak * height) if peak else 0
        if count and bar_height == 0:
            bar_height = 1
        x = i * bar_width
        bars.append(
            {"x": x, "y": height - bar_height, "height": bar_height, "at": at, "count": count}
        )
        text = label(at)
        if text:
            labels.append({"x": x, "text": text})
    return {
        "bars": bars,
        "labels": labels,
        "peak": peak,
        "total": sum(count for _at, count in points),
        "chart_width": len(points) * bar_width,
        "chart_height": height,
        "bar_width": max(bar_width - 1, 1),
    }
