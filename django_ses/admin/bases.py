"""What the admin classes of django_ses share: typed bases and the read-only log admin."""

from __future__ import annotations

import json
from typing import TYPE_CHECKING, Any

from django import forms
from django.contrib import admin
from django.http import HttpRequest
from django.utils.html import format_html

from django_ses.models import BlacklistedEmail, SESStat

__all__ = [
    "AnyModelAdmin",
    "BlacklistedEmailAdminBase",
    "BlacklistedEmailFormBase",
    "ReadOnlyAdmin",
    "SESStatAdminBase",
    "pretty_json",
]

# ModelAdmin and ModelForm are generic for type checkers only.
if TYPE_CHECKING:
    AnyModelAdmin = admin.ModelAdmin[Any]
    SESStatAdminBase = admin.ModelAdmin[SESStat]
    BlacklistedEmailAdminBase = admin.ModelAdmin[BlacklistedEmail]
    BlacklistedEmailFormBase = forms.ModelForm[BlacklistedEmail]
else:
    AnyModelAdmin = SESStatAdminBase = BlacklistedEmailAdminBase = admin.ModelAdmin
    BlacklistedEmailFormBase = forms.ModelForm


def pretty_json(value: Any) -> str:
    if value in (None, "", [], {}):
        return "-"
    return format_html("<pre>{}</pre>", json.dumps(value, indent=2, sort_keys=True, default=str))


class ReadOnlyAdmin(AnyModelAdmin):
    """A log: rows are written by django_ses, people only read and delete them."""

    def has_add_permission(self, request: HttpRequest) -> bool:
        return False

    def has_change_permission(self, request: HttpRequest, obj: Any = None) -> bool:
        return False
