"""The admin's page of the SES account-level suppression list: view, add, remove.

Served under the blacklist's admin URLs
(``admin/django_ses/blacklistedemail/ses-suppression-list/``, URL name
``admin:django_ses_suppression_list``), through the admin site's
``admin_view``: staff only, CSRF-protected. Viewing needs the permission to
view the blacklist, adding and removing the permission to change it.

Every SES call goes through :mod:`django_ses.suppression_list`, as
``manage.py ses_suppression_list`` makes them (and forgets the pre-send
check's cached answer for the address). An SES failure is shown as an admin
message, never as a server error.
"""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

from django import forms
from django.contrib import admin, messages
from django.core.exceptions import PermissionDenied, ValidationError
from django.http import HttpRequest, HttpResponse, HttpResponseRedirect
from django.template.response import TemplateResponse
from django.urls import URLPattern, path, reverse
from django.views.decorators.http import require_GET, require_POST

from django_ses import suppression_list
from django_ses.addresses import InvalidAddress, parse_single_address
from django_ses.exceptions import StatsError
from django_ses.reporting.clients import ses_backend, v2_client

if TYPE_CHECKING:
    from django_ses.models import BlacklistedEmail

__all__ = [
    "LIST_URL_NAME",
    "SuppressedAddressForm",
    "SuppressionListViews",
    "suppression_list_urls",
]

#: The URL name of the page (in the admin site's namespace).
LIST_URL_NAME = "django_ses_suppression_list"
#: Entries per page of the list (SES allows up to 1000 per call).
PAGE_SIZE = 100


class SuppressedAddressForm(forms.Form):
    """An address to put on the SES list, and why."""

    email = forms.CharField(max_length=320, label="Email address")
    reason = forms.ChoiceField(choices=[(r, r.capitalize()) for r in suppression_list.REASONS])

    def clean_email(self) -> str:
        try:
            return parse_single_address(self.cleaned_data.get("email") or "")
        except InvalidAddress as error:
            raise ValidationError(str(error), code="invalid") from None


def suppression_list_urls(model_admin: admin.ModelAdmin[BlacklistedEmail]) -> list[URLPattern]:
    """The page's URLs, to put before the model admin's own."""
    site = model_admin.admin_site
    views = SuppressionListViews(model_admin)
    return [
        path(
            "ses-suppression-list/",
            site.admin_view(require_GET(views.listing)),
            name=LIST_URL_NAME,
        ),
        path(
            "ses-suppression-list/add/",
            site.admin_view(require_POST(views.add)),
            name=f"{LIST_URL_NAME}_add",
        ),
        path(
            "ses-suppression-list/remove/",
            site.admin_view(require_POST(views.remove)),
            name=f"{LIST_URL_NAME}_remove",
        ),
    ]


class SuppressionListViews:
    """The page's views, bound to the blacklist's model admin (its site, its permissions)."""

    template_name = "admin/django_ses/suppression_list.html"

    def __init__(self, model_admin: admin.ModelAdmin[BlacklistedEmail]) -> None:
        self.model_admin = model_admin

    def list_url(self) -> str:
        return reverse(f"admin:{LIST_URL_NAME}", current_app=self.model_admin.admin_site.name)

    def may_change(self, request: HttpRequest) -> bool:
        return self.model_admin.has_change_permission(request)

    def _check_change(self, request: HttpRequest) -> None:
        if not self.may_change(request):
            raise PermissionDenied("You may not change the SES suppression list.")

    def listing(self, request: HttpRequest) -> HttpResponse:
        """One page of the list (``?reason=``, ``?token=``), or one address (``?email=``)."""
        if not self.model_admin.has_view_or_change_permission(request):
            raise PermissionDenied("You may not see the SES suppression list.")
        reason = request.GET.get("reason") or ""
        if reason not in suppression_list.REASONS:
            reason = ""
        token = request.GET.get("token") or None
        email = (request.GET.get("email") or "").strip()
        entries: list[suppression_list.SuppressedDestination] | None = None
        next_token = None
        try:
            if email:
                found = suppression_list.lookup(v2_client(), email)
                entries = [found] if found is not None else []
            else:
                page = suppression_list.page(
                    v2_client(), reason=reason or None, page_size=PAGE_SIZE, token=token
                )
                entries, next_token = page.entries, page.next_token
        except StatsError as error:
            messages.error(request, f"SES did not answer with the suppression list: {error}")
        context: dict[str, Any] = {
            **self.model_admin.admin_site.each_context(request),
            "title": "SES suppression list",
            "opts": self.model_admin.model._meta,
            "entries": entries,
            "next_token": next_token,
            "paged": token is not None,
            "reason": reason,
            "reasons": suppression_list.REASONS,
            "email": email,
            "form": SuppressedAddressForm(initial={"reason": "BOUNCE"}),
            "may_change": self.may_change(request),
            "list_url": self.list_url(),
        }
        return TemplateResponse(request, self.template_name, context)

    def add(self, request: HttpRequest) -> HttpResponse:
        """Put the posted address on the list (``PutSuppressedDestination``)."""
        self._check_change(request)
        form = SuppressedAddressForm(request.POST)
        if not form.is_valid():
            for errors in form.errors.values():
                for error in errors:
                    messages.error(request, f"Not added: {error}")
            return HttpResponseRedirect(self.list_url())
        email, reason = form.cleaned_data["email"], form.cleaned_data["reason"]
        try:
            account = ses_backend().throttle_key
            suppression_list.suppress(v2_client(), email, reason, account=account)
        except StatsError as error:
            messages.error(request, f"SES did not add {email}: {error}")
        else:
            messages.success(request, f"{email} is on the SES suppression list ({reason.lower()}).")
        return HttpResponseRedirect(self.list_url())

    def remove(self, request: HttpRequest) -> HttpResponse:
        """Take the posted address off the list (``DeleteSuppressedDestination``)."""
        self._check_change(request)
        email = (request.POST.get("email") or "").strip()
        if not email:
            messages.error(request, "Not removed: no address was given.")
            return HttpResponseRedirect(self.list_url())
        try:
            account = ses_backend().throttle_key
            removed = suppression_list.unsuppress(v2_client(), email, account=account)
        except StatsError as error:
            messages.error(request, f"SES did not remove {email}: {error}")
        else:
            if removed:
                messages.success(request, f"{email} was removed from the SES suppression list.")
            else:
                messages.warning(request, f"{email} is not on the SES suppression list.")
        return HttpResponseRedirect(self.list_url())
