"""One SQS message through the webhook's own pipeline, and what to do with it afterwards.

:func:`handle_body` reads the body (:mod:`~django_ses.sqs.messages`), applies
the webhook's topic allow-list and signature check to an SNS envelope, and
hands it to the webhook view's :meth:`process` (ledger, dispatch or queueing,
the ``handle_*`` hooks, the signals), with no HTTP request. The
:class:`Verdict` says whether the consumer deletes the message:

* ``processed``, ``duplicate`` (the ledger knew its ``MessageId``) and
  ``ignored`` (not an SES record): handled, delete it;
* ``refused`` (malformed, forged, an untrusted topic, a raw record when raw
  delivery is not enabled): logged and deleted, never retried;
* ``transient`` (a database failure, a receiver that raised, a certificate
  fetch that failed): left in the queue; SQS delivers it again after the
  visibility timeout, and a redrive policy moves it to a dead-letter queue.

The SNS message's ``Timestamp`` is not checked against ``AWS_SES_SNS_MAX_AGE``:
keeping messages while consumers are down is what the queue is for.
"""

from __future__ import annotations

import enum
import logging
from dataclasses import dataclass
from typing import Any

from django.http import HttpRequest

from django_ses.exceptions import MalformedSNSMessage, WebhookRefusal
from django_ses.loading import import_class
from django_ses.sqs.messages import read_body
from django_ses.webhook import guards
from django_ses.webhook.sanitize import loggable
from django_ses.webhook.views import ALREADY_PROCESSED, IGNORED, SESEventWebhookView

__all__ = ["DEFAULT_VIEW", "Handled", "Verdict", "describe", "event_view_class", "handle_body"]

logger = logging.getLogger(__name__)

#: The webhook view whose hooks and signal sender the consumer uses by default.
DEFAULT_VIEW = "django_ses.webhook.views.SESEventWebhookView"


class Verdict(enum.Enum):
    PROCESSED = "processed"
    DUPLICATE = "duplicate"
    IGNORED = "ignored"
    REFUSED = "refused"
    TRANSIENT = "transient"

    @property
    def delete(self) -> bool:
        """Whether the consumer deletes the SQS message."""
        return self is not Verdict.TRANSIENT


@dataclass(frozen=True)
class Handled:
    verdict: Verdict
    reason: str = ""
    sns_message_id: str = ""
    raw: bool = False


def event_view_class(path: object = "") -> type[Any]:
    """The webhook view class named ``path`` (default: ``SESEventWebhookView``)."""
    return import_class(
        path or DEFAULT_VIEW,
        SESEventWebhookView,
        named_by="AWS_SES_SQS_EVENT_VIEW",
        expected="an SESEventWebhookView (subclass)",
    )


# The topic guard takes the request for the webhook's sake; it reads only the message.
_NO_REQUEST = HttpRequest()


def handle_body(
    body: str, *, view_class: type[Any], allow_raw: bool, raw_topic_arn: str = ""
) -> Handled:
    """Handle one SQS message body; never raises for what the message holds."""
    try:
        read = read_body(body, raw_topic_arn=raw_topic_arn)
    except MalformedSNSMessage as error:
        return Handled(Verdict.REFUSED, error.reason)
    notification = read.notification
    message_id = str(notification.get("MessageId", ""))
    if read.raw and not allow_raw:
        return Handled(
            Verdict.REFUSED,
            "a raw SES record (RawMessageDelivery) but AWS_SES_SQS_RAW_DELIVERY is off",
            message_id,
            raw=True,
        )
    view = view_class()
    view.queued_raw_body = body.encode("utf-8")
    try:
        if not read.raw:
            guards.check_topic(_NO_REQUEST, notification)
            guards.check_signature(notification, view.verify_event_message)
        response = view.process(notification)
    except WebhookRefusal as refusal:
        verdict = Verdict.TRANSIENT if refusal.status >= 500 else Verdict.REFUSED
        return Handled(verdict, refusal.reason, message_id, read.raw)
    return Handled(_verdict_of(response), "", message_id, read.raw)


def _verdict_of(response: Any) -> Verdict:
    # The view answers 200 with a text that says what it did (webhook/views.py).
    text = response.content.decode("utf-8", "replace")
    if text == ALREADY_PROCESSED:
        return Verdict.DUPLICATE
    if text == IGNORED:
        return Verdict.IGNORED
    return Verdict.PROCESSED


def describe(handled: Handled) -> str:
    """One log line's worth about ``handled``."""
    what = "raw SES record" if handled.raw else "SNS message"
    reason = f": {loggable(handled.reason)}" if handled.reason else ""
    return f"{what} {loggable(handled.sns_message_id) or '?'} {handled.verdict.value}{reason}"
