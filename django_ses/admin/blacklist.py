"""Admin of the local blacklist; every write goes through :mod:`django_ses.blacklist`."""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

from django import forms
from django.contrib import admin
from django.core.exceptions import ValidationError
from django.db.models import QuerySet
from django.http import HttpRequest, HttpResponse
from django.urls import URLPattern, reverse

from django_ses.addresses import InvalidAddress, parse_single_address
from django_ses.admin.suppression_list import LIST_URL_NAME, suppression_list_urls
from django_ses.blacklist import normalize_address, remove_from_blacklist, save_blacklist_entry
from django_ses.csv_export import csv_export_action
from django_ses.models import BlacklistedEmail

__all__ = ["BlacklistedEmailAdmin", "BlacklistedEmailForm"]

# ModelAdmin and ModelForm are generic for type checkers only.
if TYPE_CHECKING:
    BlacklistedEmailAdminBase = admin.ModelAdmin[BlacklistedEmail]
    BlacklistedEmailFormBase = forms.ModelForm[BlacklistedEmail]
else:
    BlacklistedEmailAdminBase = admin.ModelAdmin
    BlacklistedEmailFormBase = forms.ModelForm


class BlacklistedEmailForm(BlacklistedEmailFormBase):
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
class BlacklistedEmailAdmin(BlacklistedEmailAdminBase):
    form = BlacklistedEmailForm
    list_display = ("email", "reason", "source", "created_at", "updated_at")
    list_filter = ("reason", "created_at")
    search_fields = ("email", "source")
    date_hierarchy = "created_at"
    readonly_fields = ("created_at", "updated_at")
    list_per_page = 100
    change_list_template = "admin/django_ses/blacklistedemail/change_list.html"
    actions = [
        csv_export_action(
            ("email", "reason", "source", "created_at", "updated_at"), "blacklisted-emails"
        )
    ]

    def get_urls(self) -> list[URLPattern]:
        # The SES suppression list's page (django_ses.admin.suppression_list) lives here.
        return [*suppression_list_urls(self), *super().get_urls()]

    def changelist_view(
        self, request: HttpRequest, extra_context: dict[str, Any] | None = None
    ) -> HttpResponse:
        context = dict(extra_context or {})
        context["suppression_list_url"] = reverse(
            f"admin:{LIST_URL_NAME}", current_app=self.admin_site.name
        )
        return super().changelist_view(request, context)

    def get_search_results(
        self, request: HttpRequest, queryset: QuerySet[BlacklistedEmail], search_term: str
    ) -> tuple[QuerySet[BlacklistedEmail], bool]:
        # Addresses are stored normalised: "Jane <Jane@Example.com>" finds jane@example.com.
        if "@" in search_term:
            search_term = normalize_address(search_term)
        return super().get_search_results(request, queryset, search_term)

    def save_model(
        self, request: HttpRequest, obj: BlacklistedEmail, form: Any, change: bool
    ) -> None:
        save_blacklist_entry(obj)

    def delete_model(self, request: HttpRequest, obj: BlacklistedEmail) -> None:
        remove_from_blacklist([obj.email])

    def delete_queryset(self, request: HttpRequest, queryset: QuerySet[BlacklistedEmail]) -> None:
        remove_from_blacklist(queryset.values_list("email", flat=True))
