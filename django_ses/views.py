"""Views, importable from their django-ses locations."""

from __future__ import annotations

import logging

from django_ses.dashboard import DashboardView
from django_ses.reporting.legacy import (
    dashboard,
    emails_parse,
    stats_to_list,
    sum_stats,
    superuser_only,
)
from django_ses.webhook.legacy import handle_bounce
from django_ses.webhook.views import SESEventWebhookView

logger = logging.getLogger(__name__)

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
