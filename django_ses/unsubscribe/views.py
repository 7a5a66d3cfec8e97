"""The unsubscribe page: RFC 8058 one-click ``POST``, and a confirmation page on ``GET``.

``POST`` with the body ``List-Unsubscribe=One-Click`` (what a mail client
sends for the ``List-Unsubscribe-Post`` header, and what the confirmation
page's button sends) unsubscribes the address of the token: the view sends
:data:`~django_ses.signals.unsubscribe_received`, whose default receiver puts
the address on the blacklist, and answers 200 with the ``done`` page. It is
idempotent: posting again answers the same.

``GET`` never unsubscribes (link scanners and prefetchers follow links): it
shows the ``confirm`` page, whose button posts.

Mail clients post without a CSRF token, so the view is exempt from CSRF
checks; the signed token is what proves the request. A token that is not this
site's answers 400, an expired one 410, both with the ``invalid`` page; a
``POST`` without the one-click body answers 400. The templates
(``django_ses/unsubscribe/confirm.html``, ``done.html``, ``invalid.html``) can be
overridden by the project.
"""

from __future__ import annotations

from typing import Any

from django.http import HttpRequest, HttpResponse
from django.template.response import TemplateResponse
from django.utils.decorators import method_decorator
from django.views import View
from django.views.decorators.cache import never_cache
from django.views.decorators.csrf import csrf_exempt

from django_ses import signals
from django_ses.unsubscribe.headers import LIST_UNSUBSCRIBE, ONE_CLICK, ONE_CLICK_VALUE
from django_ses.unsubscribe.tokens import ExpiredToken, InvalidToken, UnsubscribeToken, read_token

__all__ = ["CONFIRM_TEMPLATE", "DONE_TEMPLATE", "INVALID_TEMPLATE", "UnsubscribeView"]

CONFIRM_TEMPLATE = "django_ses/unsubscribe/confirm.html"
DONE_TEMPLATE = "django_ses/unsubscribe/done.html"
INVALID_TEMPLATE = "django_ses/unsubscribe/invalid.html"

_FORM_TYPES = ("application/x-www-form-urlencoded", "multipart/form-data")


@method_decorator([csrf_exempt, never_cache], name="dispatch")
class UnsubscribeView(View):
    """``<token>/``: the confirmation page (``GET``) and the one-click unsubscribe (``POST``)."""

    http_method_names = ["get", "post", "head", "options"]

    def get(self, request: HttpRequest, token: str) -> HttpResponse:
        found = self._read(request, token)
        if isinstance(found, HttpResponse):
            return found
        return self._page(
            request,
            CONFIRM_TEMPLATE,
            found,
            field_name=LIST_UNSUBSCRIBE,
            field_value=ONE_CLICK_VALUE,
        )

    def post(self, request: HttpRequest, token: str) -> HttpResponse:
        found = self._read(request, token)
        if isinstance(found, HttpResponse):
            return found
        if not _is_one_click(request):
            return self._page(
                request,
                INVALID_TEMPLATE,
                found,
                status=400,
                reason="not_one_click",
                detail=f"An unsubscribe request must carry the body {ONE_CLICK!r} (RFC 8058).",
            )
        signals.unsubscribe_received.send(
            sender=type(self), email=found.email, list_name=found.list_name, request=request
        )
        return self._page(request, DONE_TEMPLATE, found)

    def _read(self, request: HttpRequest, token: str) -> UnsubscribeToken | HttpResponse:
        try:
            return read_token(token)
        except ExpiredToken:
            return self._page(
                request,
                INVALID_TEMPLATE,
                None,
                status=410,
                reason="expired",
                detail="This unsubscribe link has expired.",
            )
        except InvalidToken:
            return self._page(
                request,
                INVALID_TEMPLATE,
                None,
                status=400,
                reason="invalid",
                detail="This unsubscribe link is not valid: it may have been cut short or changed.",
            )

    def _page(
        self,
        request: HttpRequest,
        template: str,
        token: UnsubscribeToken | None,
        *,
        status: int = 200,
        **context: Any,
    ) -> HttpResponse:
        response = TemplateResponse(
            request,
            template,
            {
                "email": token.email if token else None,
                "list_name": token.list_name if token else None,
                **context,
            },
            status=status,
        )
        response["X-Robots-Tag"] = "noindex"
        return response.render()


def _is_one_click(request: HttpRequest) -> bool:
    """Whether the body is ``List-Unsubscribe=One-Click`` (form-encoded, or as plain text)."""
    if request.content_type in _FORM_TYPES:
        return request.POST.get(LIST_UNSUBSCRIBE) == ONE_CLICK_VALUE
    return request.body.strip() == ONE_CLICK.encode("ascii")
