"""``manage.py get_ses_statistics``: SES's two weeks of statistics, one SESStat row per UTC day."""

from __future__ import annotations

import datetime as dt
import io
import os
import socket
import subprocess
import sys
from pathlib import Path

import pytest
from django.core.management import CommandError, call_command

from django_ses.models import SESStat
from tests.ses_fakes import Point, serve_send_statistics

pytestmark = pytest.mark.django_db

NOW = dt.datetime.now(dt.timezone.utc)
TODAY = NOW.date()
YESTERDAY = TODAY - dt.timedelta(days=1)
ROOT = Path(__file__).resolve().parent.parent


def _at(day: dt.date, hour: int, minute: int = 0) -> dt.datetime:
    return dt.datetime.combine(day, dt.time(hour, minute), tzinfo=dt.timezone.utc)


def _run(*args: str, verbosity: int = 1) -> tuple[str, str]:
    out, err = io.StringIO(), io.StringIO()
    call_command("get_ses_statistics", *args, verbosity=verbosity, stdout=out, stderr=err)
    return out.getvalue(), err.getvalue()


def _rows() -> dict[dt.date, tuple[int, int, int, int]]:
    return {
        s.date: (s.delivery_attempts, s.bounces, s.complaints, s.rejects)
        for s in SESStat.objects.all()
    }


def test_data_points_are_summed_per_utc_day(aws):
    serve_send_statistics(
        aws,
        [
            Point(_at(YESTERDAY, 0, 15), 10, bounces=1),
            Point(_at(YESTERDAY, 23, 45), 5, complaints=1, rejects=2),
            Point(_at(TODAY, 0, 0), 7),
        ],
    )
    _run()
    assert _rows() == {YESTERDAY: (15, 1, 1, 2), TODAY: (7, 0, 0, 0)}


def test_data_points_in_other_time_zones_land_on_their_utc_day(aws):
    # 23:30 at UTC-5 is 04:30 UTC the next day.
    eastern = dt.timezone(dt.timedelta(hours=-5))
    moment = dt.datetime.combine(YESTERDAY - dt.timedelta(days=1), dt.time(23, 30), eastern)
    serve_send_statistics(aws, [Point(moment, 3)])
    _run()
    assert _rows() == {YESTERDAY: (3, 0, 0, 0)}


def test_running_twice_changes_nothing(aws):
    serve_send_statistics(aws, [Point(_at(YESTERDAY, 8), 10), Point(_at(TODAY, 1), 4)])
    _run()
    first = {s.date: s.updated_at for s in SESStat.objects.all()}
    out, _ = _run()
    assert {s.date: s.updated_at for s in SESStat.objects.all()} == first
    assert SESStat.objects.count() == 2
    assert "0 new, 0 updated, 2 unchanged" in out


def test_changed_counts_are_updated(aws):
    SESStat.objects.create(date=TODAY, delivery_attempts=4, bounces=0, complaints=0, rejects=0)
    serve_send_statistics(aws, [Point(_at(TODAY, 1), 9, bounces=1)])
    out, _ = _run()
    assert _rows()[TODAY] == (9, 1, 0, 0)
    assert "0 new, 1 updated, 0 unchanged" in out


def test_the_cut_off_first_day_of_the_window_never_lowers_a_stored_count(aws):
    # SES only has the last hours of the window's first day left.
    first_day = (NOW - dt.timedelta(days=14)).date()
    SESStat.objects.create(
        date=first_day, delivery_attempts=500, bounces=5, complaints=0, rejects=0
    )
    serve_send_statistics(aws, [Point(_at(first_day, 23, 45), 3, bounces=9)])
    _run()
    assert _rows()[first_day] == (500, 9, 0, 0)


def test_the_cut_off_first_day_is_not_stored_as_if_it_were_whole(aws):
    first_day = (NOW - dt.timedelta(days=14)).date()
    serve_send_statistics(aws, [Point(_at(first_day, 23, 45), 3), Point(_at(YESTERDAY, 3), 8)])
    out, _ = _run(verbosity=2)
    assert _rows() == {YESTERDAY: (8, 0, 0, 0)}
    assert f"{first_day.isoformat()}  skipped" in out


def test_summary_is_printed_and_verbosity_2_lists_each_day(aws):
    serve_send_statistics(aws, [Point(_at(YESTERDAY, 3), 8, bounces=1)])
    out, _ = _run(verbosity=2)
    assert f"{YESTERDAY.isoformat()}  created    attempts=8 bounces=1" in out
    assert "Stored sending statistics for 1 day: 1 new, 0 updated, 0 unchanged." in out


def test_verbosity_0_is_silent(aws):
    serve_send_statistics(aws, [Point(_at(YESTERDAY, 3), 8)])
    assert _run(verbosity=0) == ("", "")
    assert SESStat.objects.count() == 1


def test_no_statistics_says_so(aws):
    serve_send_statistics(aws, [])
    out, _ = _run()
    assert "no sending statistics" in out
    assert not SESStat.objects.exists()


def test_statistics_are_read_through_v1_even_when_sending_with_v2(aws, settings):
    settings.USE_SES_V2 = True
    serve_send_statistics(aws, [Point(_at(YESTERDAY, 3), 8)])
    _run()
    assert len(aws.calls("ses", "GetSendStatistics")) == 1
    assert SESStat.objects.count() == 1


def test_an_aws_error_is_a_command_error(aws):
    aws.fail("ses", "GetSendStatistics", "AccessDenied", "nope", status=403)
    with pytest.raises(CommandError, match="allow ses:GetSendStatistics"):
        _run()


def _closed_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


def test_unreachable_aws_exits_non_zero_without_a_traceback():
    env = {
        **os.environ,
        "DJANGO_SETTINGS_MODULE": "tests.settings",
        "AWS_ENDPOINT_URL_SES": f"http://127.0.0.1:{_closed_port()}",
        "AWS_ACCESS_KEY_ID": "testing",
        "AWS_SECRET_ACCESS_KEY": "testing",
        "PYTHONPATH": str(ROOT),
    }
    result = subprocess.run(
        [sys.executable, "-m", "django", "get_ses_statistics"],
        cwd=ROOT,
        env=env,
        capture_output=True,
        text=True,
        timeout=60,
    )
    assert result.returncode != 0
    assert "SES is unreachable" in result.stderr
    assert "Traceback" not in result.stderr
