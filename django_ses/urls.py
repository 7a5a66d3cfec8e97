from __future__ import annotations

from django.urls import path

from django_ses.views import DashboardView, SESEventWebhookView, handle_bounce

urlpatterns = [
    path("", DashboardView.as_view(), name="django_ses_stats"),
    path("event-webhook/", SESEventWebhookView.as_view(), name="event_webhook"),
    path("bounce/", handle_bounce, name="django_ses_bounce"),
]
