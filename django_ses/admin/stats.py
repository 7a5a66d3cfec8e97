"""Admin of the stored sending statistics (``SESStat``), read-only: rows come from SES."""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

from django.contrib import admin
from django.db.models import F, Q, QuerySet
from django.http import HttpRequest, HttpResponse
from django.urls import NoReverseMatch, reverse
from django.utils.html import format_html

from django_ses.csv_export import csv_export_action
from django_ses.models import SESStat
from django_ses.reporting.data import (
    BOUNCE_REVIEW_THRESHOLD,
    COMPLAINT_REVIEW_THRESHOLD,
    NEAR_THRESHOLD_SHARE,
    RateLevel,
    assess_rate,
    rate,
)

__all__ = ["RateListFilter", "SESStatAdmin"]

# ModelAdmin is generic for type checkers only.
if TYPE_CHECKING:
    SESStatAdminBase = admin.ModelAdmin[SESStat]
else:
    SESStatAdminBase = admin.ModelAdmin

EXPORT_FIELDS = ("date", "delivery_attempts", "bounces", "complaints", "rejects", "updated_at")


class RateListFilter(admin.SimpleListFilter):
    """Days whose bounce or complaint rate is near or over AWS's review threshold."""

    title = "rates"
    parameter_name = "rates"

    def lookups(
        self, request: HttpRequest, model_admin: admin.ModelAdmin[Any]
    ) -> list[tuple[str, str]]:
        return [
            ("alarming", "Near or over a review threshold"),
            ("over", "Over a review threshold"),
        ]

    def queryset(self, request: HttpRequest, queryset: QuerySet[Any]) -> QuerySet[Any]:
        if self.value() not in ("alarming", "over"):
            return queryset
        share = 1.0 if self.value() == "over" else NEAR_THRESHOLD_SHARE
        bounce = BOUNCE_REVIEW_THRESHOLD * share
        complaint = COMPLAINT_REVIEW_THRESHOLD * share
        filtered: QuerySet[Any] = queryset.filter(delivery_attempts__gt=0).filter(
            Q(bounces__gte=F("delivery_attempts") * bounce)
            | Q(complaints__gte=F("delivery_attempts") * complaint)
        )
        return filtered


def _rate_cell(part: int, whole: int, threshold: float, digits: int) -> str:
    assessment = assess_rate(rate(part, whole), threshold)
    if assessment.rate is None:
        return "-"
    text = f"{assessment.rate * 100:.{digits}f} %"
    if assessment.level is RateLevel.OK:
        return text
    return format_html(
        '<strong title="AWS reviews accounts at {}">{}</strong>', f"{threshold * 100:g} %", text
    )


@admin.register(SESStat)
class SESStatAdmin(SESStatAdminBase):
    list_display = (
        "date",
        "delivery_attempts",
        "bounces",
        "complaints",
        "rejects",
        "bounce_rate",
        "complaint_rate",
        "updated_at",
    )
    list_filter = (RateListFilter,)
    date_hierarchy = "date"
    search_fields = ("date",)
    ordering = ("-date",)
    readonly_fields = EXPORT_FIELDS
    actions = [csv_export_action(EXPORT_FIELDS, "ses-stats")]
    list_per_page = 100
    change_list_template = "admin/django_ses/sesstat/change_list.html"

    @admin.display(description="Bounce rate")
    def bounce_rate(self, obj: SESStat) -> str:
        return _rate_cell(obj.bounces, obj.delivery_attempts, BOUNCE_REVIEW_THRESHOLD, 2)

    @admin.display(description="Complaint rate")
    def complaint_rate(self, obj: SESStat) -> str:
        return _rate_cell(obj.complaints, obj.delivery_attempts, COMPLAINT_REVIEW_THRESHOLD, 3)

    def has_add_permission(self, request: HttpRequest) -> bool:
        return False  # rows come from SES through ``manage.py get_ses_statistics``

    def has_change_permission(self, request: HttpRequest, obj: SESStat | None = None) -> bool:
        return False

    def changelist_view(
        self, request: HttpRequest, extra_context: dict[str, Any] | None = None
    ) -> HttpResponse:
        context = dict(extra_context or {})
        try:
            context["dashboard_url"] = reverse("django_ses_stats")
        except NoReverseMatch:
            context["dashboard_url"] = None
        return super().changelist_view(request, context)
