"""The sending-statistics dashboard (placeholder until implemented)."""

from __future__ import annotations

from django.views.generic import TemplateView


class DashboardView(TemplateView):
    template_name = "django_ses/send_stats.html"
