"""The sending-statistics dashboard: the old home of :mod:`django_ses.reporting.dashboard`.

``django_ses.dashboard.DashboardView`` (and ``django_ses.views.DashboardView``)
stay importable from here.
"""

from __future__ import annotations

from django_ses.reporting.dashboard import CACHE_KEY_PREFIX, Alert, DashboardView, build_alerts

__all__ = ["CACHE_KEY_PREFIX", "Alert", "DashboardView", "build_alerts"]
