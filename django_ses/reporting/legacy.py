"""django-ses 4.8.2's statistics helpers of ``django_ses.views``, kept for code that imports them.

New code has better tools: :mod:`django_ses.reporting.data` for the shaping,
:class:`~django_ses.reporting.dashboard.DashboardView` for the page.
"""

from __future__ import annotations

import copy
import functools
import warnings
from collections.abc import Callable, Iterable, Mapping
from typing import Any

from django.core.exceptions import PermissionDenied
from django.http import HttpRequest, HttpResponseBase
from django.utils import timezone

from django_ses.deprecation import RemovedInDjangoSES20Warning
from django_ses.reporting.dashboard import DashboardView

__all__ = ["dashboard", "emails_parse", "stats_to_list", "sum_stats", "superuser_only"]

_COUNT_KEYS = ("Bounces", "Complaints", "DeliveryAttempts", "Rejects")


def superuser_only(view_func: Callable[..., Any]) -> Callable[..., Any]:
    """Limit a function view to superusers (others get a 403)."""

    @functools.wraps(view_func)
    def inner(request: HttpRequest, *args: Any, **kwargs: Any) -> Any:
        if not request.user.is_superuser:
            raise PermissionDenied
        return view_func(request, *args, **kwargs)

    return inner


def stats_to_list(stats_dict: Mapping[str, Any], localize: Any = True) -> list[dict[str, Any]]:
    """The ``SendDataPoints`` of a ``GetSendStatistics`` answer, oldest first.

    A copy: the answer is left as it is. With ``localize`` (the default), each
    ``Timestamp`` is shown in the project's ``TIME_ZONE``.
    """
    points = copy.deepcopy(list(stats_dict.get("SendDataPoints", [])))
    if localize:
        zone = timezone.get_default_timezone()
        for point in points:
            point["Timestamp"] = point["Timestamp"].astimezone(zone)
    return sorted(points, key=lambda point: point["Timestamp"])


def emails_parse(emails_dict: Mapping[str, Any]) -> list[str]:
    """The sorted addresses of a ``ListVerifiedEmailAddresses`` answer."""
    return sorted(emails_dict["VerifiedEmailAddresses"])


def sum_stats(stats_data: Iterable[Mapping[str, Any]]) -> dict[str, int]:
    """The totals of bounces, complaints, delivery attempts and rejects of data points."""
    totals = dict.fromkeys(_COUNT_KEYS, 0)
    for point in stats_data:
        for key in _COUNT_KEYS:
            totals[key] += point[key]
    return totals


def dashboard(request: HttpRequest, *args: Any, **kwargs: Any) -> HttpResponseBase:
    """django-ses's function view of the statistics page: now :class:`DashboardView`."""
    warnings.warn(
        "django_ses.views.dashboard is deprecated: use django_ses.views.DashboardView.",
        RemovedInDjangoSES20Warning,
        stacklevel=2,
    )
    response: HttpResponseBase = _dashboard_view(request, *args, **kwargs)
    return response


_dashboard_view = superuser_only(DashboardView.as_view())
