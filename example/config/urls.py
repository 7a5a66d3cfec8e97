"""URLs of the example project."""

from __future__ import annotations

from django.contrib import admin
from django.urls import include, path

from django_ses.views import SESEventWebhookView

urlpatterns = [
    # The SNS webhook for SES events and inbound mail. On AWS, subscribe
    # https://<your site>/ses/events/ to your SES topics.
    path("ses/events/", SESEventWebhookView.as_view(), name="ses_events"),
    # The sending-statistics dashboard (URL name "django_ses_stats"), for superusers.
    # Listed before the admin so the admin's catch-all does not swallow it.
    path("admin/django-ses/", include("django_ses.urls")),
    path("admin/", admin.site.urls),
    path("", include("demo.urls")),
]
