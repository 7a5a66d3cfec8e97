"""Admin for the stored statistics, the blacklist, the event log and failed inbound mail."""

from __future__ import annotations

import csv
import datetime as dt
import io
import json
import zipfile
from collections.abc import Callable, Sequence
from typing import TYPE_CHECKING, Any

from django import forms
from django.contrib import admin
from django.core.exceptions import ValidationError
from django.db.models import BooleanField, ExpressionWrapper, F, Q, QuerySet
from django.http import HttpRequest, HttpResponse
from django.urls import NoReverseMatch, reverse
from django.utils import timezone
from django.utils.html import format_html

from django_ses import stats
from django_ses.addresses import InvalidAddress, parse_single_address
from django_ses.blacklist import normalize_address
from django_ses.models import BlacklistedEmail, FailedInboundEmail, SESStat, SNSNotification

# ModelAdmin and ModelForm are generic for type checkers only.
if TYPE_CHECKING:
    _AnyModelAdmin = admin.ModelAdmin[Any]
    _SESStatAdminBase = admin.ModelAdmin[SESStat]
    _BlacklistedEmailAdminBase = admin.ModelAdmin[BlacklistedEmail]
    _BlacklistedEmailFormBase = forms.ModelForm[BlacklistedEmail]
else:
    _AnyModelAdmin = _SESStatAdminBase = _BlacklistedEmailAdminBase = admin.ModelAdmin
    _BlacklistedEmailFormBase = forms.ModelForm

# -- CSV export --------------------------------------------------------------------------------


def _csv_cell(value: Any) -> str:
    """A cell that spreadsheet programs will not run as a formula."""
    if value is None:
        return ""
    if isinstance(value, dt.datetime):
        text = (
            value.astimezone(dt.timezone.utc).isoformat()
            if timezone.is_aware(value)
            else value.isoformat()
        )
    elif isinstance(value, dt.date):
        text = value.isoformat()
    elif isinstance(value, (list, dict)):
        text = json.dumps(value)
    else:
        text = str(value)
    if text[:1] in ("=", "+", "-", "@", "\t", "\r"):
        return "'" + text
    return text


def csv_response(filename: str, header: Sequence[str], rows: Any) -> HttpResponse:
    """A CSV download of ``rows`` (iterables of cells) under ``header``."""
    response = HttpResponse(content_type="text/csv; charset=utf-8")
    response["Content-Disposition"] = f'attachment; filename="{filename}"'
    writer = csv.writer(response)
    writer.writerow(header)
    for row in rows:
        writer.writerow([_csv_cell(cell) for cell in row])
    return response


def csv_export_action(fields: Sequence[str], filename: str) -> Callable[..., HttpResponse]:
    """An admin action that downloads the selected rows' ``fields`` as CSV."""

    def export_as_csv(
        modeladmin: admin.ModelAdmin[Any], request: HttpRequest, queryset: QuerySet[Any]
    ) -> HttpResponse:
        stamp = timezone.now().strftime("%Y%m%d-%H%M%S")
        rows = queryset.values_list(*fields).iterator(chunk_size=2000)
        return csv_response(f"{filename}-{stamp}.csv", fields, rows)

    export_as_csv.short_description = "Export selected as CSV"  # type: ignore[attr-defined]
    export_as_csv.allowed_permissions = ("view",)  # type: ignore[attr-defined]
    return export_as_csv


# -- SESStat ----------------------------------------------------------------------------------


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
        share = 1.0 if self.value() == "over" else stats.NEAR_THRESHOLD_SHARE
        bounce = stats.BOUNCE_REVIEW_THRESHOLD * share
        complaint = stats.COMPLAINT_REVIEW_THRESHOLD * share
        filtered: QuerySet[Any] = queryset.filter(delivery_attempts__gt=0).filter(
            Q(bounces__gte=F("delivery_attempts") * bounce)
            | Q(complaints__gte=F("delivery_attempts") * complaint)
        )
        return filtered


def _rate_cell(part: int, whole: int, threshold: float, digits: int) -> str:
    assessment = stats.assess_rate(stats.rate(part, whole), threshold)
    if assessment.rate is None:
        return "-"
    text = f"{assessment.rate * 100:.{digits}f} %"
    if assessment.level is stats.RateLevel.OK:
        return text
    return format_html(
        '<strong title="AWS reviews accounts at {}">{}</strong>', f"{threshold * 100:g} %", text
    )


@admin.register(SESStat)
class SESStatAdmin(_SESStatAdminBase):
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
    readonly_fields = (
        "date",
        "delivery_attempts",
        "bounces",
        "complaints",
        "rejects",
        "updated_at",
    )
    actions = [
        csv_export_action(
            ("date", "delivery_attempts", "bounces", "complaints", "rejects", "updated_at"),
            "ses-stats",
        )
    ]
    list_per_page = 100
    change_list_template = "admin/django_ses/sesstat/change_list.html"

    @admin.display(description="Bounce rate")
    def bounce_rate(self, obj: SESStat) -> str:
        return _rate_cell(obj.bounces, obj.delivery_attempts, stats.BOUNCE_REVIEW_THRESHOLD, 2)

    @admin.display(description="Complaint rate")
    def complaint_rate(self, obj: SESStat) -> str:
        return _rate_cell(
            obj.complaints, obj.delivery_attempts, stats.COMPLAINT_REVIEW_THRESHOLD, 3
        )

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


# -- BlacklistedEmail -------------------------------------------------------------------------


class BlacklistedEmailForm(_BlacklistedEmailFormBase):
    # A plain text field: "Jane <Jane@Example.com>" is accepted and normalised.
    email = forms.CharField(
        max_length=255,
        help_text="Stored lower-cased, without a display name.",
    )

    class Meta:
        model = BlacklistedEmail
        fields = ("email", "reason", "source")

    def clean_email(self) -> str:
        try:
            return parse_single_address(self.cleaned_data.get("email") or "")
        except InvalidAddress as error:
            raise ValidationError(str(error), code="invalid") from None


@admin.register(BlacklistedEmail)
class BlacklistedEmailAdmin(_BlacklistedEmailAdminBase):
    form = BlacklistedEmailForm
    list_display = ("email", "reason", "source", "created_at", "updated_at")
    list_filter = ("reason", "created_at")
    search_fields = ("email", "source")
    date_hierarchy = "created_at"
    readonly_fields = ("created_at", "updated_at")
    list_per_page = 100
    actions = [
        csv_export_action(
            ("email", "reason", "source", "created_at", "updated_at"), "blacklisted-emails"
        )
    ]

    def get_search_results(
        self, request: HttpRequest, queryset: QuerySet[BlacklistedEmail], search_term: str
    ) -> tuple[QuerySet[BlacklistedEmail], bool]:
        # Addresses are stored normalised: "Jane <Jane@Example.com>" finds jane@example.com.
        if "@" in search_term:
            search_term = normalize_address(search_term)
        return super().get_search_results(request, queryset, search_term)


# -- SNSNotification (the webhook's event log) ---------------------------------------------------


def _pretty_json(value: Any) -> str:
    if value in (None, "", [], {}):
        return "-"
    return format_html("<pre>{}</pre>", json.dumps(value, indent=2, sort_keys=True, default=str))


class _ReadOnlyAdmin(_AnyModelAdmin):
    """A log: rows are written by django_ses, people only read and delete them."""

    def has_add_permission(self, request: HttpRequest) -> bool:
        return False

    def has_change_permission(self, request: HttpRequest, obj: Any = None) -> bool:
        return False


@admin.register(SNSNotification)
class SNSNotificationAdmin(_ReadOnlyAdmin):
    list_display = (
        "processed_at",
        "sns_type",
        "event_type",
        "status",
        "ses_message_id",
        "recipient_list",
        "topic_arn",
    )
    list_filter = ("status", "sns_type", "event_type", "processed_at")
    search_fields = ("=sns_message_id", "=ses_message_id", "topic_arn", "recipients")
    date_hierarchy = "processed_at"
    list_per_page = 100
    fields = (
        "sns_message_id",
        "sns_type",
        "topic_arn",
        "event_type",
        "ses_message_id",
        "recipient_list",
        "processed_at",
        "status",
        "error",
        "payload_pretty",
    )
    readonly_fields = fields
    actions = [
        "process_again",
        csv_export_action(
            (
                "processed_at",
                "sns_message_id",
                "sns_type",
                "topic_arn",
                "event_type",
                "ses_message_id",
                "recipients",
            ),
            "sns-notifications",
        ),
    ]

    @admin.display(description="Recipients")
    def recipient_list(self, obj: SNSNotification) -> str:
        recipients = obj.recipients if isinstance(obj.recipients, list) else []
        return ", ".join(str(r) for r in recipients) or "-"

    @admin.display(description="Payload")
    def payload_pretty(self, obj: SNSNotification) -> str:
        return _pretty_json(obj.payload)

    def has_process_permission(self, request: HttpRequest) -> bool:
        """Re-processing events is for the people who may delete them."""
        return self.has_delete_permission(request)

    @admin.action(description="Process again", permissions=["process"])
    def process_again(self, request: HttpRequest, queryset: QuerySet[SNSNotification]) -> None:
        """Enqueue the ``process_ses_event`` task again for failed or queued events."""
        from django.contrib import messages
        from django.core.exceptions import ImproperlyConfigured

        from django_ses.webhook import process_again

        queued = skipped = 0
        try:
            for notification in queryset.iterator(chunk_size=200):
                if process_again(notification):
                    queued += 1
                else:
                    skipped += 1
        except ImproperlyConfigured as error:
            self.message_user(request, f"Nothing more was queued: {error}", messages.ERROR)
            return
        if queued:
            self.message_user(request, f"Queued {queued} event(s) again.", messages.SUCCESS)
        if skipped:
            self.message_user(
                request,
                f"Skipped {skipped} event(s) that were not failed or queued, or that do "
                "not hold the message they came in.",
                messages.WARNING,
            )


# -- FailedInboundEmail -------------------------------------------------------------------------


def _eml_name(obj: FailedInboundEmail) -> str:
    stem = obj.ses_message_id or obj.sns_message_id or f"failed-inbound-{obj.pk}"
    safe = "".join(c if c.isalnum() or c in "-_." else "_" for c in stem)
    return f"{safe}.eml"


@admin.action(description="Download raw messages", permissions=["view"])
def download_raw_messages(
    modeladmin: admin.ModelAdmin[Any], request: HttpRequest, queryset: QuerySet[Any]
) -> HttpResponse | None:
    """One selected message downloads as .eml; several download as a .zip of .eml files."""
    with_raw = [obj for obj in queryset.order_by("pk") if obj.raw_message]
    missing = queryset.count() - len(with_raw)
    if not with_raw:
        modeladmin.message_user(
            request, "None of the selected entries has a raw message.", level="warning"
        )
        return None
    if missing:
        modeladmin.message_user(
            request, f"{missing} selected entries have no raw message.", level="warning"
        )
    if len(with_raw) == 1:
        obj = with_raw[0]
        response = HttpResponse(bytes(obj.raw_message), content_type="message/rfc822")
        response["Content-Disposition"] = f'attachment; filename="{_eml_name(obj)}"'
        return response
    buffer = io.BytesIO()
    with zipfile.ZipFile(buffer, "w", zipfile.ZIP_DEFLATED) as archive:
        for obj in with_raw:
            archive.writestr(f"{obj.pk}-{_eml_name(obj)}", bytes(obj.raw_message))
    response = HttpResponse(buffer.getvalue(), content_type="application/zip")
    stamp = timezone.now().strftime("%Y%m%d-%H%M%S")
    response["Content-Disposition"] = f'attachment; filename="failed-inbound-{stamp}.zip"'
    return response


@admin.register(FailedInboundEmail)
class FailedInboundEmailAdmin(_ReadOnlyAdmin):
    list_display = ("created_at", "ses_message_id", "action_type", "short_reason", "has_raw")
    list_filter = ("action_type", "created_at")
    search_fields = ("=ses_message_id", "=sns_message_id", "object_key", "reason")
    date_hierarchy = "created_at"
    list_per_page = 100
    fields = (
        "created_at",
        "sns_message_id",
        "ses_message_id",
        "action_type",
        "bucket_name",
        "object_key",
        "reason",
        "raw_size",
        "notification_pretty",
    )
    readonly_fields = fields
    actions = [
        download_raw_messages,
        csv_export_action(
            (
                "created_at",
                "sns_message_id",
                "ses_message_id",
                "action_type",
                "bucket_name",
                "object_key",
                "reason",
            ),
            "failed-inbound-emails",
        ),
    ]

    def get_queryset(self, request: HttpRequest) -> QuerySet[FailedInboundEmail]:
        # The change list must not load every raw message.
        has_raw = ExpressionWrapper(Q(raw_message__isnull=False), output_field=BooleanField())
        queryset: QuerySet[FailedInboundEmail] = (
            super()
            .get_queryset(request)
            .defer("raw_message", "notification")
            .annotate(has_raw_message=has_raw)
        )
        return queryset

    @admin.display(description="Reason")
    def short_reason(self, obj: FailedInboundEmail) -> str:
        return obj.reason if len(obj.reason) <= 80 else obj.reason[:79] + "…"

    @admin.display(description="Raw message", boolean=True)
    def has_raw(self, obj: FailedInboundEmail) -> bool:
        return bool(getattr(obj, "has_raw_message", False))

    @admin.display(description="Raw message size")
    def raw_size(self, obj: FailedInboundEmail) -> str:
        if not obj.raw_message:
            return "-"
        return f"{len(bytes(obj.raw_message)):,} bytes (use the “Download raw messages” action)"

    @admin.display(description="Notification")
    def notification_pretty(self, obj: FailedInboundEmail) -> str:
        return _pretty_json(obj.notification)


__all__ = [
    "BlacklistedEmailAdmin",
    "FailedInboundEmailAdmin",
    "SESStatAdmin",
    "SNSNotificationAdmin",
    "csv_export_action",
]
