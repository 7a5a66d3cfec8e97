"""Views, importable from their django-ses locations."""

from __future__ import annotations

from django_ses.dashboard import DashboardView
from django_ses.webhook import SESEventWebhookView, handle_bounce

__all__ = ["DashboardView", "SESEventWebhookView", "handle_bounce"]
