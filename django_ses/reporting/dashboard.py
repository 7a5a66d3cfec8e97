"""The sending-statistics dashboard, a page of the Django admin.

Staff users with the ``django_ses.view_sesstat`` permission (superusers always)
can see it; anonymous users are sent to the admin login, everyone else gets a
403. SES's answers (data, never the rendered page) are cached for
``cache_timeout`` seconds; ``?refresh=1`` asks SES again.

Subclass it to change the permission, the admin site, the cache time or the
context::

    class MyDashboard(DashboardView):
        permission_required = "myapp.view_mail_stats"

        def get_context_data(self, **kwargs):
            context = super().get_context_data(**kwargs)
            context["extra"] = ...
            return context
"""

from __future__ import annotations

import datetime as dt
import logging
from dataclasses import dataclass
from typing import TYPE_CHECKING, Any

from django.contrib import admin
from django.contrib.auth.views import redirect_to_login
from django.core.cache import cache
from django.core.exceptions import PermissionDenied
from django.http import HttpRequest, HttpResponseBase
from django.urls import NoReverseMatch, reverse
from django.utils.decorators import method_decorator
from django.views.decorators.cache import never_cache
from django.views.generic import TemplateView

from django_ses.reporting import charts, clients, data, fetch, store

if TYPE_CHECKING:
    from django.contrib.admin import AdminSite

# Bump the version when data.Overview changes shape, so old cached entries are ignored.
CACHE_KEY_PREFIX = "django_ses:dashboard:overview:1"

logger = logging.getLogger(__name__)

_PART_NAMES = {
    "statistics": "Sending statistics",
    "quota": "Sending quota",
    "account": "Account",
    "identities": "Identities",
}


@dataclass(frozen=True)
class Alert:
    """A line at the top of the dashboard; ``level`` is an admin message class."""

    level: str  # "error", "warning" or "info"
    topic: str
    text: str


def build_alerts(
    overview: data.Overview, bounce: data.RateAssessment, complaint: data.RateAssessment
) -> list[Alert]:
    """What needs attention: SES failures, rates near AWS's thresholds, account limits."""
    alerts = [
        Alert("error", part, f"{_PART_NAMES.get(part, part.capitalize())}: {message}")
        for part, message in overview.errors.items()
    ]
    for topic, assessment, name, digits in (
        ("bounce", bounce, "Bounce", 2),
        ("complaint", complaint, "Complaint", 3),
    ):
        if not assessment.alarming:
            continue
        rate = charts.format_percent(assessment.rate, digits)
        threshold = charts.format_percent(assessment.threshold, 1)
        if assessment.level is data.RateLevel.OVER:
            text = (
                f"{name} rate over the last 14 days is {rate}: at or above the {threshold} "
                "at which AWS puts accounts under review."
            )
            alerts.append(Alert("error", topic, text))
        else:
            text = (
                f"{name} rate over the last 14 days is {rate}: close to the {threshold} "
                "at which AWS puts accounts under review."
            )
            alerts.append(Alert("warning", topic, text))
    account = overview.account
    if account is not None:
        if account.sending_enabled is False:
            status = f" (enforcement status {account.enforcement_status})"
            text = "Sending is disabled for this account" + (
                status if account.enforcement_status else ""
            )
            alerts.append(Alert("error", "sending", text + "."))
        if account.in_sandbox:
            alerts.append(
                Alert(
                    "warning",
                    "sandbox",
                    "The account is in the SES sandbox: it can only send to verified "
                    "addresses and domains.",
                )
            )
    return alerts


@method_decorator(never_cache, name="dispatch")
class DashboardView(TemplateView):
    """SES quota, account status, identities and sending statistics, with charts."""

    template_name = "django_ses/send_stats.html"
    #: Staff users need this permission; superusers always pass.
    permission_required = "django_ses.view_sesstat"
    #: The admin site whose context and login the page uses (default: ``admin.site``).
    admin_site: AdminSite | None = None
    #: Seconds SES's answers are kept in the cache (data only); 0 turns caching off.
    cache_timeout = 300
    #: Days of stored ``SESStat`` history to chart.
    history_days = 90
    title = "SES sending statistics"

    def get_admin_site(self) -> AdminSite:
        if self.admin_site is not None:
            return self.admin_site
        return admin.site

    def has_permission(self, request: HttpRequest) -> bool:
        user = request.user
        return bool(
            user.is_active
            and user.is_staff
            and (user.is_superuser or user.has_perm(self.permission_required))
        )

    def dispatch(self, request: HttpRequest, *args: Any, **kwargs: Any) -> HttpResponseBase:
        site = self.get_admin_site()
        request.current_app = site.name
        if not request.user.is_authenticated:
            login_url = reverse("admin:login", current_app=site.name)
            return redirect_to_login(request.get_full_path(), login_url)
        if not self.has_permission(request):
            raise PermissionDenied("You may not see the SES sending statistics.")
        return super().dispatch(request, *args, **kwargs)

    # -- data -------------------------------------------------------------------------------
    def get_api(self) -> str:
        return clients.configured_api()

    def get_cache_key(self, api: str) -> str:
        """Data from different accounts, regions or APIs never share a key."""
        return f"{CACHE_KEY_PREFIX}:{api}:{clients.account_fingerprint()}"

    def get_overview(self) -> data.Overview:
        """SES's answers, from the cache when fresh; failures are never cached."""
        api = self.get_api()
        key = self.get_cache_key(api)
        refresh = self.request.GET.get("refresh") == "1"
        if self.cache_timeout and not refresh:
            try:
                cached = cache.get(key)
            except Exception:  # the cache is down: ask SES instead
                logger.warning("SES dashboard: reading the cache failed", exc_info=True)
                cached = None
            if isinstance(cached, data.Overview):
                return cached
        overview = fetch.collect_overview(api)
        for part, message in overview.errors.items():
            logger.warning("SES dashboard: %s unavailable: %s", part, message)
        if self.cache_timeout and not overview.errors:
            try:
                cache.set(key, overview, self.cache_timeout)
            except Exception:
                logger.warning("SES dashboard: writing the cache failed", exc_info=True)
        return overview

    def _admin_url(self, name: str, **kwargs: str) -> str | None:
        try:
            return reverse(
                f"admin:{name}", kwargs=kwargs or None, current_app=self.get_admin_site().name
            )
        except NoReverseMatch:  # not registered with this admin site
            return None

    def get_history(self, today: dt.date) -> list[data.DailyStat]:
        return store.stored_history(since=today - dt.timedelta(days=self.history_days))

    # -- context ----------------------------------------------------------------------------
    def get_context_data(self, **kwargs: Any) -> dict[str, Any]:
        context = super().get_context_data(**kwargs)
        context.update(self.get_admin_site().each_context(self.request))
        today = data.utc_today()
        overview = self.get_overview()
        live = overview.daily
        history = self.get_history(today)
        window_start = data.statistics_window_start()
        days = data.fill_gaps(
            data.merge_daily(history, live, window_start=window_start), until=today
        )
        recent = data.total(live)
        bounce = data.assess_rate(recent.bounce_rate, data.BOUNCE_REVIEW_THRESHOLD)
        complaint = data.assess_rate(recent.complaint_rate, data.COMPLAINT_REVIEW_THRESHOLD)
        identities = overview.identities or []
        context.update(
            {
                "title": self.title,
                "overview": overview,
                "api": overview.api,
                "errors": overview.errors,
                "alerts": build_alerts(overview, bounce, complaint),
                "quota": overview.quota,
                "account": overview.account,
                "identities": identities,
                "domains": [i for i in identities if i.kind == "domain"],
                "email_addresses": [i for i in identities if i.kind == "email"],
                "recent_totals": recent,
                "recent_days": live,
                "bounce": bounce,
                "complaint": complaint,
                "bounce_threshold": charts.format_percent(data.BOUNCE_REVIEW_THRESHOLD, 0),
                "complaint_threshold": charts.format_percent(data.COMPLAINT_REVIEW_THRESHOLD, 1),
                "bounce_rate": charts.format_percent(bounce.rate, 2),
                "complaint_rate": charts.format_percent(complaint.rate, 3),
                "history": list(reversed(history)),
                "chart_days": days,
                "charts": {
                    "volume": charts.volume_chart(days),
                    "problems": charts.problems_chart(days),
                    "bounce_rate": charts.bounce_rate_chart(days, bounce.rate),
                    "complaint_rate": charts.complaint_rate_chart(days, complaint.rate),
                },
                "history_days": self.history_days,
                "app_url": self._admin_url("app_list", app_label="django_ses"),
                "sesstat_url": self._admin_url("django_ses_sesstat_changelist"),
            }
        )
        return context
