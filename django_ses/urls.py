"""``include("django_ses.urls")``: the dashboard, the event webhook, django-ses's bounce URL
and the one-click unsubscribe page (``django_ses_unsubscribe``, see docs/unsubscribe.rst).

The dashboard is an admin page. In a project without ``django.contrib.auth``
the webhook routes still work; the dashboard URL then answers 503 and system
check ``django_ses.E070`` says which apps it needs.
"""

from __future__ import annotations

from typing import Any

from django.apps import apps
from django.http import HttpRequest, HttpResponse
from django.urls import path

from django_ses.unsubscribe.views import UnsubscribeView
from django_ses.views import SESEventWebhookView, handle_bounce


def dashboard_unavailable(request: HttpRequest, *args: Any, **kwargs: Any) -> HttpResponse:
    """The dashboard URL in a project without the auth app (see check django_ses.E070)."""
    return HttpResponse(
        "The SES dashboard needs django.contrib.admin, django.contrib.auth and "
        "django.contrib.sessions (system check django_ses.E070).\n",
        status=503,
        content_type="text/plain; charset=utf-8",
    )


if apps.is_installed("django.contrib.auth"):
    from django_ses.views import DashboardView

    dashboard_view: Any = DashboardView.as_view()
else:
    dashboard_view = dashboard_unavailable

urlpatterns = [
    path("", dashboard_view, name="django_ses_stats"),
    path("event-webhook/", SESEventWebhookView.as_view(), name="event_webhook"),
    path("bounce/", handle_bounce, name="django_ses_bounce"),
    path("unsubscribe/<str:token>/", UnsubscribeView.as_view(), name="django_ses_unsubscribe"),
]
