"""django-ses 4.8.2's statistics helpers of django_ses.views still work."""

from __future__ import annotations

import datetime as dt

import pytest
from django.core.exceptions import PermissionDenied
from django.test import RequestFactory

from django_ses import views
from django_ses.deprecation import RemovedInDjangoSES20Warning

UTC = dt.timezone.utc


def _point(hour: int, attempts: int) -> dict[str, object]:
    moment = dt.datetime(2026, 11, 1, hour, tzinfo=UTC)
    return {
        "Timestamp": moment,
        "DeliveryAttempts": attempts,
        "Bounces": 1,
        "Complaints": 0,
        "Rejects": 2,
    }


def test_stats_to_list_sorts_a_copy_and_localizes(settings):
    settings.TIME_ZONE = "Europe/Paris"
    answer = {"SendDataPoints": [_point(12, 5), _point(10, 3)]}
    points = views.stats_to_list(answer)
    assert [p["DeliveryAttempts"] for p in points] == [3, 5]
    assert points[0]["Timestamp"].utcoffset() == dt.timedelta(hours=1)
    assert answer["SendDataPoints"][0]["Timestamp"].tzinfo is UTC
    assert views.stats_to_list(answer, localize=False)[0]["Timestamp"].tzinfo is UTC


def test_sum_stats_and_emails_parse():
    assert views.sum_stats([_point(10, 3), _point(11, 4)]) == {
        "Bounces": 2,
        "Complaints": 0,
        "DeliveryAttempts": 7,
        "Rejects": 4,
    }
    answer = {"VerifiedEmailAddresses": ["b@example.com", "a@example.com"]}
    assert views.emails_parse(answer) == ["a@example.com", "b@example.com"]


def test_superuser_only_refuses_other_users(django_user_model, db):
    request = RequestFactory().get("/")
    request.user = django_user_model(username="staff", is_staff=True)
    with pytest.raises(PermissionDenied):
        views.superuser_only(lambda request: "page")(request)
    request.user = django_user_model(username="root", is_superuser=True)
    assert views.superuser_only(lambda request: "page")(request) == "page"


def test_the_dashboard_function_view_is_deprecated(django_user_model, db):
    request = RequestFactory().get("/")
    request.user = django_user_model(username="staff", is_staff=True)
    with pytest.warns(RemovedInDjangoSES20Warning), pytest.raises(PermissionDenied):
        views.dashboard(request)
