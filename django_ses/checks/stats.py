"""System checks for the dashboard (ids E070-E089, W070-W089)."""

from __future__ import annotations

from typing import Any

from django.apps import apps
from django.core import checks
from django.urls import NoReverseMatch, reverse


def _dashboard_is_routed() -> bool:
    try:
        reverse("django_ses_stats")
    except NoReverseMatch:
        return False
    return True


@checks.register("django_ses", checks.Tags.urls)
def check_dashboard(app_configs: Any = None, **kwargs: Any) -> list[checks.CheckMessage]:
    """The dashboard is an admin page: it needs the admin, auth and sessions apps."""
    if not _dashboard_is_routed():
        return []
    messages: list[checks.CheckMessage] = []
    missing = [
        name
        for name in ("django.contrib.admin", "django.contrib.auth", "django.contrib.sessions")
        if not apps.is_installed(name)
    ]
    if missing:
        messages.append(
            checks.Error(
                f"The SES dashboard (URL name 'django_ses_stats') needs {', '.join(missing)}.",
                hint="Add them to INSTALLED_APPS, or stop including django_ses.urls.",
                id="django_ses.E070",
            )
        )
    if not apps.is_installed("django.contrib.staticfiles"):
        messages.append(
            checks.Warning(
                "django.contrib.staticfiles is not installed: the SES dashboard's stylesheet "
                "(django_ses/dashboard.css) is only served if your web server serves it.",
                hint="Add django.contrib.staticfiles to INSTALLED_APPS and run collectstatic.",
                id="django_ses.W070",
            )
        )
    return messages
