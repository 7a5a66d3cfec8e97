"""django_ses.charts: inline SVG charts, drawn on the server from plain data."""

from __future__ import annotations

import datetime as dt
import xml.etree.ElementTree as ET

import pytest

from django_ses import charts
from django_ses.stats import DailyStat

SVG = "{http://www.w3.org/2000/svg}"
START = dt.date(2026, 11, 1)


def _days(*attempts_bounces_complaints) -> list[DailyStat]:
    return [
        DailyStat(START + dt.timedelta(days=i), a, b, c, 0)
        for i, (a, b, c) in enumerate(attempts_bounces_complaints)
    ]


def _parse(markup: str) -> ET.Element:
    return ET.fromstring(str(markup))  # well-formed XML or this raises


def _by_class(root: ET.Element, css_class: str) -> list[ET.Element]:
    return [el for el in root.iter() if css_class in el.get("class", "").split()]


@pytest.mark.parametrize(
    "value,expected",
    [(0, 1), (0.7, 1), (1, 1), (1.1, 2), (2.2, 2.5), (3, 5), (7, 10), (4200, 5000)],
)
def test_nice_ceiling_rounds_up_to_1_2_2_5_or_5(value, expected):
    assert charts.nice_ceiling(value) == pytest.approx(expected)


def test_axis_top_gives_round_ticks():
    assert charts.axis_top(1234) == 2000  # ticks of 500
    assert charts.axis_top(0.00125) == pytest.approx(0.002)  # ticks of 0.05 %


def test_volume_chart_draws_one_bar_per_day_scaled_to_the_values():
    root = _parse(charts.volume_chart(_days((100, 0, 0), (50, 0, 0), (0, 0, 0))))
    bars = _by_class(root, "ses-bar")
    assert len(bars) == 3
    heights = [float(b.get("height")) for b in bars]
    assert heights[0] == pytest.approx(2 * heights[1])
    assert heights[2] == 0
    assert 0 < heights[0] <= charts.PLOT_HEIGHT
    assert bars[0].find(f"{SVG}title").text == "2026-11-01: 100 delivery attempts"


def test_problems_chart_groups_bounces_complaints_and_rejects_per_day():
    root = _parse(charts.problems_chart(_days((100, 3, 1), (100, 0, 2))))
    assert len(_by_class(root, "ses-series-bounces")) == 1 + 2  # legend swatch + bars
    assert len(_by_class(root, "ses-series-complaints")) == 1 + 2
    assert len(_by_class(root, "ses-series-rejects")) == 1 + 2


def test_charts_are_accessible_images_without_scripts_or_inline_styles():
    markup = str(charts.volume_chart(_days((1, 0, 0))))
    root = _parse(markup)
    assert root.get("role") == "img"
    labelled_by = root.get("aria-labelledby").split()
    assert {el.get("id") for el in root.iter() if el.get("id")} >= set(labelled_by)
    assert "<script" not in markup and "style=" not in markup


def test_text_is_escaped():
    markup = str(
        charts.bar_chart(
            "c", "<b>Title</b>", [START], [charts.Series("x", "<script>alert(1)</script>", [1])]
        )
    )
    assert "<script>" not in markup and "<b>" not in markup
    assert "&lt;script&gt;" in markup
    _parse(markup)


def test_charts_without_data_say_so():
    root = _parse(charts.volume_chart([]))
    assert _by_class(root, "ses-empty")[0].text == "No data yet"
    assert not _by_class(root, "ses-bar")


def test_charts_of_a_period_without_sending_say_so():
    quiet = _days((0, 0, 0), (0, 0, 0))
    volume = _parse(charts.volume_chart(quiet))
    assert _by_class(volume, "ses-empty")[0].text == "Nothing in this period"
    rate = _parse(charts.bounce_rate_chart(quiet))
    assert _by_class(rate, "ses-empty")[0].text == "Nothing sent: no rate"
    assert _by_class(rate, "ses-threshold")  # the threshold is still drawn


def test_rate_chart_draws_the_review_threshold_and_the_near_band():
    root = _parse(charts.bounce_rate_chart(_days((100, 1, 0), (100, 2, 0))))
    threshold = _by_class(root, "ses-threshold")[0]
    band = _by_class(root, "ses-near-band")[0]
    # The band spans from half the threshold up to the threshold line.
    assert float(band.get("y")) == pytest.approx(float(threshold.get("y1")))
    top = charts.axis_top(0.05 * 1.2)
    expected_y = charts.MARGIN_TOP + charts.PLOT_HEIGHT * (1 - 0.05 / top)
    assert float(threshold.get("y1")) == pytest.approx(expected_y, abs=0.01)
    assert float(band.get("height")) == pytest.approx(charts.PLOT_HEIGHT * 0.025 / top, abs=0.02)


@pytest.mark.parametrize(
    "bounces,level", [(0, "ok"), (1, "ok"), (3, "near"), (5, "over"), (9, "over")]
)
def test_rate_chart_is_marked_near_or_over_the_threshold(bounces, level):
    root = _parse(charts.bounce_rate_chart(_days((100, bounces, 0))))
    assert f"ses-chart--{level}" in root.get("class").split()
    assert _by_class(root, "ses-dot")[0].get("class").endswith(f"ses-dot--{level}")


def test_complaint_rate_chart_uses_the_0_1_percent_threshold():
    root = _parse(charts.complaint_rate_chart(_days((1000, 0, 1))))  # exactly 0.1 %
    assert "ses-chart--over" in root.get("class").split()
    assert "0.100 %" in _by_class(root, "ses-dot")[0].find(f"{SVG}title").text


def test_days_without_sending_break_the_rate_line():
    root = _parse(
        charts.bounce_rate_chart(
            _days((100, 1, 0), (100, 1, 0), (0, 0, 0), (100, 1, 0), (100, 1, 0))
        )
    )
    assert len(_by_class(root, "ses-line")) == 2
    assert len(_by_class(root, "ses-dot")) == 4


def test_the_rate_over_the_period_can_be_given():
    root = _parse(charts.bounce_rate_chart(_days((100, 0, 0)), overall=0.06))
    assert "ses-chart--over" in root.get("class").split()


def test_long_periods_get_at_most_eight_date_labels():
    days = [DailyStat(START + dt.timedelta(days=i), 1) for i in range(90)]
    root = _parse(charts.volume_chart(days))
    labels = [t for t in _by_class(root, "ses-axis") if t.get("text-anchor") == "middle"]
    assert 1 < len(labels) <= charts.MAX_X_LABELS
