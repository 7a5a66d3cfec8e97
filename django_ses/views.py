"""Views, importable from their django-ses locations.

The webhook views import nothing of ``django.contrib``: an API-only project
without the auth, admin or sessions apps can route ``SESEventWebhookView``.
The dashboard names (``DashboardView``, django-ses's ``dashboard`` and its
helpers) need ``django.contrib.auth`` and are imported on first access.
"""

from __future__ import annotations

import logging
from typing import TYPE_CHECKING, Any

from django_ses.webhook.legacy import handle_bounce
from django_ses.webhook.views import SESEventWebhookView

if TYPE_CHECKING:
    from django_ses.reporting.dashboard import DashboardView
    from django_ses.reporting.legacy import (
        dashboard,
        emails_parse,
        stats_to_list,
        sum_stats,
        superuser_only,
    )

logger = logging.getLogger(__name__)

_DASHBOARD_NAMES = frozenset(
    {"DashboardView", "dashboard", "emails_parse", "stats_to_list", "sum_stats", "superuser_only"}
)

__all__ = [
    "DashboardView",
    "SESEventWebhookView",
    "dashboard",
    "emails_parse",
    "handle_bounce",
    "stats_to_list",
    "sum_stats",
    "superuser_only",
]


def __getattr__(name: str) -> Any:
    if name in _DASHBOARD_NAMES:
        # optional: the dashboard needs django.contrib.auth, which the webhook does not.
        from django_ses.reporting import legacy

        return getattr(legacy, name)
    raise AttributeError(f"module 'django_ses.views' has no attribute {name!r}")
