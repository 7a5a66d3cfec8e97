"""Server-side charts as inline SVG.

No scripts, no inline styles: the markup only carries classes, which the
dashboard's stylesheet colours with the admin's CSS variables, so the charts
work under a strict Content-Security-Policy and follow the light and dark admin
themes. Each chart is a pure function of its data and returns safe markup.
"""

from __future__ import annotations

import datetime as dt
import math
from collections.abc import Callable, Sequence
from dataclasses import dataclass

from django.utils.html import escape
from django.utils.safestring import SafeString, mark_safe

from django_ses.reporting.data import (
    BOUNCE_REVIEW_THRESHOLD,
    COMPLAINT_REVIEW_THRESHOLD,
    NEAR_THRESHOLD_SHARE,
    DailyStat,
    assess_rate,
    total,
)

WIDTH = 720
HEIGHT = 240
MARGIN_LEFT = 64
MARGIN_RIGHT = 16
MARGIN_TOP = 32
MARGIN_BOTTOM = 32
PLOT_WIDTH = WIDTH - MARGIN_LEFT - MARGIN_RIGHT
PLOT_HEIGHT = HEIGHT - MARGIN_TOP - MARGIN_BOTTOM
MAX_X_LABELS = 8
Y_TICKS = 4


@dataclass(frozen=True)
class Series:
    """One row of values to draw; ``key`` names its CSS class ``ses-series-<key>``."""

    key: str
    label: str
    values: Sequence[float]


# -- numbers ----------------------------------------------------------------------------------
def nice_ceiling(value: float) -> float:
    """The smallest of 1, 2, 2.5, 5 x 10^n that is at least ``value`` (1 for 0)."""
    if value <= 0:
        return 1.0
    exponent = math.floor(math.log10(value))
    for step in (1.0, 2.0, 2.5, 5.0, 10.0):
        candidate = step * 10.0**exponent
        if candidate >= value * (1 - 1e-9):
            return candidate
    return 10.0 ** (exponent + 1)  # pragma: no cover - the loop always returns


def axis_top(peak: float) -> float:
    """The top of a value axis with ``Y_TICKS`` round steps that reaches ``peak``."""
    return Y_TICKS * nice_ceiling(peak / Y_TICKS)


def format_count(value: float) -> str:
    if value >= 1_000_000:
        return f"{value / 1_000_000:g}M"
    if value >= 10_000:
        return f"{value / 1_000:g}k"
    return f"{value:,.0f}" if value == int(value) else f"{value:,.1f}"


def format_percent(value: float | None, digits: int = 2) -> str:
    return "n/a" if value is None else f"{value * 100:.{digits}f} %"


def _percent_digits(threshold: float) -> int:
    return 2 if threshold >= 0.01 else 3


def _percent_tick(value: float) -> str:
    return f"{_num(value * 100, 4)} %"


# -- markup -----------------------------------------------------------------------------------
def _num(value: float, digits: int = 2) -> str:
    return f"{value:.{digits}f}".rstrip("0").rstrip(".") or "0"


def _el(tag: str, attrs: dict[str, object], *children: str, text: str = "") -> str:
    """One element; attribute values and ``text`` are escaped, ``children`` are markup."""
    rendered = "".join(
        f' {name}="{escape(_num(value) if isinstance(value, float) else str(value))}"'
        for name, value in attrs.items()
    )
    return f"<{tag}{rendered}>{escape(text)}{''.join(children)}</{tag}>"


def _svg(
    chart_id: str, title: str, description: str, body: Sequence[str], css_class: str = ""
) -> SafeString:
    markup = _el(
        "svg",
        {
            "xmlns": "http://www.w3.org/2000/svg",
            "class": f"ses-chart {css_class}".strip(),
            "id": chart_id,
            "viewBox": f"0 0 {WIDTH} {HEIGHT}",
            "width": WIDTH,
            "height": HEIGHT,
            "role": "img",
            "aria-labelledby": f"{chart_id}-title {chart_id}-desc",
            "preserveAspectRatio": "xMidYMid meet",
        },
        _el("title", {"id": f"{chart_id}-title"}, text=title),
        _el("desc", {"id": f"{chart_id}-desc"}, text=description),
        *body,
    )
    # Every attribute value and text node above went through escape().
    return mark_safe(markup)  # noqa: S308


def _y(value: float, top: float) -> float:
    return MARGIN_TOP + PLOT_HEIGHT - (value / top) * PLOT_HEIGHT


def _y_axis(top: float, label: Callable[[float], str]) -> list[str]:
    parts = []
    for tick in range(Y_TICKS + 1):
        value = top * tick / Y_TICKS
        y = _y(value, top)
        parts.append(
            _el(
                "line",
                {
                    "class": "ses-grid",
                    "x1": MARGIN_LEFT,
                    "x2": WIDTH - MARGIN_RIGHT,
                    "y1": y,
                    "y2": y,
                },
            )
        )
        parts.append(
            _el(
                "text",
                {"class": "ses-axis", "x": MARGIN_LEFT - 6, "y": y + 4, "text-anchor": "end"},
                text=label(value),
            )
        )
    return parts


def _x_labels(days: Sequence[dt.date]) -> list[str]:
    if not days:
        return []
    step = max(1, math.ceil(len(days) / MAX_X_LABELS))
    slot = PLOT_WIDTH / len(days)
    parts = []
    for index in range(0, len(days), step):
        x = MARGIN_LEFT + slot * (index + 0.5)
        parts.append(
            _el(
                "text",
                {"class": "ses-axis", "x": x, "y": HEIGHT - 10, "text-anchor": "middle"},
                text=f"{days[index]:%b} {days[index].day}",
            )
        )
    return parts


def _legend(series: Sequence[tuple[str, str]]) -> list[str]:
    parts = []
    x = float(MARGIN_LEFT)
    for key, label in series:
        parts.append(
            _el(
                "rect",
                {
                    "class": f"ses-swatch ses-series-{key}",
                    "x": x,
                    "y": 10,
                    "width": 10,
                    "height": 10,
                },
            )
        )
        parts.append(_el("text", {"class": "ses-legend", "x": x + 14, "y": 19}, text=label))
        x += 24 + 7 * len(label)
    return parts


def _empty(message: str) -> list[str]:
    return [
        _el(
            "text",
            {
                "class": "ses-empty",
                "x": MARGIN_LEFT + PLOT_WIDTH / 2,
                "y": MARGIN_TOP + PLOT_HEIGHT / 2,
                "text-anchor": "middle",
            },
            text=message,
        )
    ]


# -- charts -----------------------------------------------------------------------------------
def bar_chart(
    chart_id: str, title: str, days: Sequence[dt.date], series: Sequence[Series]
) -> SafeString:
    """Grouped bars: one group per day, one bar per series."""
    description = f"{title}, {len(days)} days." if days else f"{title}: no data."
    legend = _legend([(s.key, s.label) for s in series])
    if not days:
        return _svg(chart_id, title, description, [*legend, *_empty("No data yet")])
    peak = max((v for s in series for v in s.values), default=0.0)
    top = axis_top(peak)
    body = [*legend, *_y_axis(top, format_count)]
    slot = PLOT_WIDTH / len(days)
    group = slot * 0.8
    bar_width = group / max(len(series), 1)
    for day_index, day in enumerate(days):
        for series_index, one in enumerate(series):
            value = float(one.values[day_index])
            height = (value / top) * PLOT_HEIGHT
            x = MARGIN_LEFT + slot * day_index + (slot - group) / 2 + bar_width * series_index
            body.append(
                _el(
                    "rect",
                    {
                        "class": f"ses-bar ses-series-{one.key}",
                        "x": x,
                        "y": MARGIN_TOP + PLOT_HEIGHT - height,
                        "width": max(bar_width - 0.5, 0.5),
                        "height": height,
                    },
                    _el("title", {}, text=f"{day.isoformat()}: {value:,.0f} {one.label.lower()}"),
                )
            )
    if peak == 0:
        body.extend(_empty("Nothing in this period"))
    body.extend(_x_labels(days))
    return _svg(chart_id, title, description, body)


def rate_chart(
    chart_id: str,
    title: str,
    days: Sequence[dt.date],
    rates: Sequence[float | None],
    threshold: float,
    *,
    overall: float | None = None,
) -> SafeString:
    """A daily rate as a line against AWS's review ``threshold``.

    The band from ``NEAR_THRESHOLD_SHARE`` x threshold up to the threshold is
    shaded, and the chart gets the ``ses-chart--near`` / ``ses-chart--over``
    class when ``overall`` (the rate over the whole period) is near or over it.
    """
    digits = _percent_digits(threshold)
    level = assess_rate(overall, threshold).level.value
    description = (
        f"{title} per day; AWS reviews accounts at {format_percent(threshold, digits)}. "
        f"Over the period: {format_percent(overall, digits)}."
    )
    legend = _legend([("rate", title), ("threshold", f"Review at {format_percent(threshold, 1)}")])
    if not days:
        return _svg(chart_id, title, description, [*legend, *_empty("No data yet")])
    peak = max((r for r in rates if r is not None), default=0.0)
    top = axis_top(max(peak * 1.05, threshold * 1.2))
    body = [*legend, *_y_axis(top, _percent_tick)]
    near_y = _y(threshold * NEAR_THRESHOLD_SHARE, top)
    threshold_y = _y(threshold, top)
    body.append(
        _el(
            "rect",
            {
                "class": "ses-near-band",
                "x": MARGIN_LEFT,
                "y": threshold_y,
                "width": PLOT_WIDTH,
                "height": near_y - threshold_y,
            },
        )
    )
    body.append(
        _el(
            "line",
            {
                "class": "ses-threshold",
                "x1": MARGIN_LEFT,
                "x2": WIDTH - MARGIN_RIGHT,
                "y1": threshold_y,
                "y2": threshold_y,
            },
        )
    )
    slot = PLOT_WIDTH / len(days)
    segment: list[str] = []
    segments: list[list[str]] = [segment]
    dots = []
    for index, (day, value) in enumerate(zip(days, rates, strict=True)):
        if value is None:
            segment = []
            segments.append(segment)
            continue
        x = MARGIN_LEFT + slot * (index + 0.5)
        y = _y(value, top)
        segment.append(f"{_num(x)},{_num(y)}")
        dot_level = assess_rate(value, threshold).level.value
        dots.append(
            _el(
                "circle",
                {"class": f"ses-dot ses-dot--{dot_level}", "cx": x, "cy": y, "r": 3},
                _el("title", {}, text=f"{day.isoformat()}: {format_percent(value, digits)}"),
            )
        )
    for points in segments:
        if len(points) > 1:
            body.append(_el("polyline", {"class": "ses-line", "points": " ".join(points)}))
    body.extend(dots)
    if not dots:
        body.extend(_empty("Nothing sent: no rate"))
    body.extend(_x_labels(days))
    return _svg(chart_id, title, description, body, f"ses-chart--{level}")


def volume_chart(days: Sequence[DailyStat]) -> SafeString:
    """Daily delivery attempts."""
    return bar_chart(
        "ses-chart-attempts",
        "Delivery attempts",
        [d.date for d in days],
        [Series("attempts", "Delivery attempts", [d.delivery_attempts for d in days])],
    )


def problems_chart(days: Sequence[DailyStat]) -> SafeString:
    """Daily bounces, complaints and rejects."""
    return bar_chart(
        "ses-chart-problems",
        "Bounces, complaints and rejects",
        [d.date for d in days],
        [
            Series("bounces", "Bounces", [d.bounces for d in days]),
            Series("complaints", "Complaints", [d.complaints for d in days]),
            Series("rejects", "Rejects", [d.rejects for d in days]),
        ],
    )


def _daily_rate_chart(
    days: Sequence[DailyStat], kind: str, threshold: float, overall: float | None
) -> SafeString:
    """The ``kind`` (``"bounce"`` or ``"complaint"``) rate of ``days`` against ``threshold``."""
    attribute = f"{kind}_rate"
    if overall is None:
        overall = getattr(total(days), attribute)
    return rate_chart(
        f"ses-chart-{kind}-rate",
        f"{kind.capitalize()} rate",
        [d.date for d in days],
        [getattr(d, attribute) for d in days],
        threshold,
        overall=overall,
    )


def bounce_rate_chart(days: Sequence[DailyStat], overall: float | None = None) -> SafeString:
    """Daily bounce rate against AWS's 5 % review threshold."""
    return _daily_rate_chart(days, "bounce", BOUNCE_REVIEW_THRESHOLD, overall)


def complaint_rate_chart(days: Sequence[DailyStat], overall: float | None = None) -> SafeString:
    """Daily complaint rate against AWS's 0.1 % review threshold."""
    return _daily_rate_chart(days, "complaint", COMPLAINT_REVIEW_THRESHOLD, overall)
