"""The demo pages."""

from __future__ import annotations

import datetime as dt

from django.conf import settings
from django.contrib import messages
from django.http import Http404, HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.utils import timezone
from django.views.decorators.http import require_http_methods
from local_ses import running

from demo.forms import SIMULATOR_ADDRESSES, IncomingMailForm, SendForm
from demo.incoming import build_incoming_message
from demo.mime import summarize
from demo.models import ReceivedEmail, ReceivedEvent
from demo.sending import build_message, send
from demo.statistics import refresh_statistics
from django_ses.conf import get_setting
from django_ses.models import BlacklistedEmail, SNSNotification
from django_ses.models import SentMessage as LoggedMessage
from django_ses.send_log.states import State
from django_ses.testing import SentMessage


def _accepted() -> list[SentMessage] | None:
    """What the local SES accepted, newest first; None when it is not running here."""
    local = running()
    if local is None:
        return None
    return list(reversed(local.sent_messages()))


def home(request: HttpRequest) -> HttpResponse:
    accepted = _accepted()
    return render(
        request,
        "demo/home.html",
        {
            "local_ses": running(),
            "accepted_count": None if accepted is None else len(accepted),
            "event_count": ReceivedEvent.objects.count(),
            "inbound_count": ReceivedEmail.objects.count(),
        },
    )


@require_http_methods(["GET", "POST"])
def send_mail(request: HttpRequest) -> HttpResponse:
    form = SendForm(request.POST or None, request.FILES or None)
    if request.method == "POST" and form.is_valid():
        outcome = send(build_message(form.cleaned_data))
        if outcome.accepted:
            messages.success(
                request,
                f"SES accepted the message {outcome.message_id}. Its timeline fills in "
                "below as the simulator's events arrive.",
            )
            problem = refresh_statistics()
            if problem:
                messages.info(request, f"The dashboard's statistics were not refreshed: {problem}")
            return redirect("demo:timeline", message_id=outcome.message_id)
        if outcome.status == "suppressed":
            messages.warning(
                request,
                "Not sent: every recipient is on the blacklist or the SES suppression list, "
                "after an earlier bounce or complaint. Remove them under Blacklisted emails "
                "(and its SES suppression list page) in the admin to send again.",
            )
        else:
            detail = f" ({outcome.error})" if outcome.error else ""
            messages.error(request, f"Not sent: status {outcome.status!r}{detail}")
    return render(
        request,
        "demo/send.html",
        {"form": form, "simulator_addresses": SIMULATOR_ADDRESSES, "pacing": _pacing()},
    )


def _pacing() -> dict[str, float] | None:
    """The local SES's quota and the rate the backend's auto-throttle keeps to."""
    local = running()
    if local is None:
        return None
    throttle = float(get_setting("AWS_SES_AUTO_THROTTLE") or 0)
    quota = local.ses.quota
    return {
        "max_send_rate": quota.max_send_rate,
        "max_24_hour_send": quota.max_24_hour_send,
        "throttle": throttle,
        "paced_rate": quota.max_send_rate * throttle,
    }


def accepted(request: HttpRequest) -> HttpResponse:
    messages_ = _accepted() or []
    blacklisted = set(
        BlacklistedEmail.objects.filter(
            email__in={d.lower() for m in messages_ for d in m.destinations}
        ).values_list("email", flat=True)
    )
    rows = [
        {
            "message": message,
            "summary": summarize(message.raw) if message.raw else None,
            "raw_text": message.raw.decode("utf-8", "replace") if message.raw else "",
            "unsubscribe_url": unsubscribe_url(message),
            "blacklisted": [d for d in message.destinations if d.lower() in blacklisted],
        }
        for message in messages_
    ]
    return render(
        request,
        "demo/accepted.html",
        {"rows": rows, "local_ses": running()},
    )


def unsubscribe_url(message: SentMessage) -> str | None:
    """The URL of the message's List-Unsubscribe header (rendered by SES for templates)."""
    header = None
    if message.raw:
        header = message.message["List-Unsubscribe"]
    else:
        local = running()
        rendered = local.ses.templates.rendered if local is not None else []
        header = next(
            (r.headers.get("List-Unsubscribe") for r in rendered if r.message_id == message.id),
            None,
        )
    if not header:
        return None
    text = str(header).strip()
    return text[1:-1] if text.startswith("<https://") or text.startswith("<http://") else None


def accepted_raw(request: HttpRequest, message_id: str) -> HttpResponse:
    for message in _accepted() or []:
        if message.message_id == message_id and message.raw is not None:
            response = HttpResponse(message.raw, content_type="message/rfc822")
            response["Content-Disposition"] = f'attachment; filename="{message_id}.eml"'
            return response
    raise Http404("The local SES has no raw message with that id.")


#: States after which no more delivery events are expected (opens and clicks aside).
_SETTLED = {State.DELIVERED, State.BOUNCED, State.SUPPRESSED, State.COMPLAINED, State.REJECTED}


def timeline(request: HttpRequest, message_id: str) -> HttpResponse:
    """A sent message's send-log row: each recipient's state and the events so far."""
    message = LoggedMessage.objects.filter(message_id=message_id).first()
    if message is None:
        raise Http404("The send log has no message with that id (is AWS_SES_SEND_LOG on?).")
    recipients = list(message.recipient_states.order_by("recipient"))
    return render(
        request,
        "demo/timeline.html",
        {
            "message": message,
            "recipients": recipients,
            "events": list(message.events.all()),
            # Addresses outside the simulator get no events from the local SES: stop after a minute.
            "settled": all(r.state in _SETTLED for r in recipients)
            or timezone.now() - message.sent_at > dt.timedelta(minutes=1),
        },
    )


def events(request: HttpRequest) -> HttpResponse:
    return render(
        request,
        "demo/events.html",
        {
            "events": ReceivedEvent.objects.all()[:50],
            "notifications": SNSNotification.objects.all()[:20],
        },
    )


@require_http_methods(["GET", "POST"])
def inbound_mail(request: HttpRequest) -> HttpResponse:
    form = IncomingMailForm(request.POST or None)
    if request.method == "POST" and form.is_valid():
        local = running()
        if local is None:
            messages.error(request, "The local SES is not running: start the example with run.py.")
        else:
            recipient = (
                settings.EXAMPLE_INBOUND_S3_ADDRESS
                if form.cleaned_data["route"] == "s3"
                else settings.EXAMPLE_INBOUND_ADDRESS
            )
            raw = build_incoming_message(
                mail_from=form.cleaned_data["mail_from"],
                to=recipient,
                subject=form.cleaned_data["subject"],
                text=form.cleaned_data["text"],
                with_attachment=form.cleaned_data["with_attachment"],
            )
            try:
                message_id = local.receive(raw, recipient=recipient)
            except Exception as error:  # the demo shows any error instead of a 500
                messages.error(request, f"The local SES could not receive it: {error}")
            else:
                messages.success(request, f"SES received mail {message_id} and published it.")
            return redirect("demo:inbound")
    return render(
        request,
        "demo/inbound.html",
        {
            "form": form,
            "emails": ReceivedEmail.objects.all()[:20],
            "inbound_address": settings.EXAMPLE_INBOUND_ADDRESS,
            "inbound_s3_address": settings.EXAMPLE_INBOUND_S3_ADDRESS,
            "inbound_bucket": settings.EXAMPLE_INBOUND_BUCKET,
        },
    )


#: The templated bulk message of the Bulk page: one SendBulkEmail call, data per recipient.
BULK_RECIPIENTS = {
    "success@simulator.amazonses.com": {"name": "Sam", "plan": "Gold"},
    "bounce@simulator.amazonses.com": {"name": "Bo", "plan": "Silver"},
    "complaint@simulator.amazonses.com": {"name": "Cleo", "plan": "Bronze"},
}


@require_http_methods(["GET", "POST"])
def bulk_send(request: HttpRequest) -> HttpResponse:
    """Send one templated message to three simulator addresses; show each one's result."""
    results = None
    if request.method == "POST":
        from django.core.mail import EmailMessage, get_connection

        message = EmailMessage(from_email=settings.DEFAULT_FROM_EMAIL, to=list(BULK_RECIPIENTS))
        message.ses_template_content = {  # type: ignore[attr-defined]
            "subject": "Your {{plan}} plan, {{name}}",
            "text": "Hello {{name}}, your {{plan}} plan renews next month at {{shop}}.",
            "html": "<p>Hello <b>{{name}}</b>, your {{plan}} plan renews at {{shop}}.</p>",
        }
        message.ses_template_data = {"shop": "the demo shop"}  # type: ignore[attr-defined]
        message.ses_recipient_data = BULK_RECIPIENTS  # type: ignore[attr-defined]
        # Each recipient's own one-click unsubscribe headers, as SendBulkEmail
        # entries' ReplacementHeaders.
        message.ses_unsubscribe = "plan-news"  # type: ignore[attr-defined]
        get_connection(use_ses_v2=True, fail_silently=True).send_messages([message])
        status = message.ses_status  # type: ignore[attr-defined]
        results = {
            "status": status,
            "suppressed": status.suppressed_recipients,
            "destinations": status.destinations,
        }
        problem = refresh_statistics()
        if problem:
            messages.info(request, f"The dashboard's statistics were not refreshed: {problem}")
    return render(request, "demo/bulk.html", {"recipients": BULK_RECIPIENTS, "results": results})
