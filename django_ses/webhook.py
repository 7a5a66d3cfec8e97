"""The SNS event webhook (placeholder until implemented)."""

from __future__ import annotations

from django.http import HttpRequest, HttpResponse
from django.views import View
from django.views.decorators.csrf import csrf_exempt


class SESEventWebhookView(View):
    pass


@csrf_exempt
def handle_bounce(request: HttpRequest) -> HttpResponse:
    return HttpResponse(status=501)
