"""Writes the send log when SES accepts messages: one bulk insert per table, per batch.

:func:`record_outcomes` is called once per ``SESBackend.send_messages()`` call
(with every outcome) and once per queued delivery. It writes nothing when
``AWS_SES_SEND_LOG`` is off. Each SES message id that SES accepted becomes a
:class:`~django_ses.send_log.models.SentMessage` with one
:class:`~django_ses.send_log.models.SentRecipient` per recipient it carried
(``ses_status.destinations``), whatever the number of messages: two
``INSERT`` statements in a savepoint.

The messages are already sent when this runs: a database error is logged,
never raised, so a send is never reported as failed (and retried) because
the log could not be written.
"""

from __future__ import annotations

import logging
from collections.abc import Iterable, Mapping
from dataclasses import dataclass
from typing import TYPE_CHECKING

from django.core.mail import EmailMessage
from django.db import DatabaseError, transaction
from django.utils import timezone

from django_ses.send_log.config import enabled, hashing
from django_ses.send_log.keys import recipient_keys
from django_ses.sending import mime, request
from django_ses.sending.status import SENT

if TYPE_CHECKING:
    from django_ses.send_log.models import SentMessage
    from django_ses.sending.options import SendOptions
    from django_ses.sending.payload import EmailPayload
    from django_ses.sending.result import Outcome

__all__ = ["record_outcomes"]

logger = logging.getLogger(__name__)


@dataclass(frozen=True)
class _Details:
    from_email: str
    subject: str
    tags: Mapping[str, str]
    configuration_set: str
    template: str


def _template_name(message: EmailMessage) -> str:
    for name in ("ses_template", "template_id"):
        value = getattr(message, name, None)
        if isinstance(value, str) and value:
            return value
    return "inline" if getattr(message, "ses_template_content", None) else ""


def _details(
    message: EmailMessage, options: SendOptions | None, payload: EmailPayload | None
) -> _Details:
    if payload is not None:
        configuration_set = payload.configuration_set or ""
        tags: Mapping[str, str] = payload.tags
        from_email = payload.sender or str(message.from_email or "")
        spec = payload.template
        template = (spec.name or spec.arn or "inline") if spec is not None else ""
    else:
        configuration_set = mime.configuration_set_header(message) or ""
        if not configuration_set and options is not None:
            setting = options.configuration_set
            configuration_set = setting if isinstance(setting, str) else ""
        try:
            tags = request.merge_tags(
                options.default_tags if options else None, getattr(message, "ses_tags", None)
            )
        except Exception:  # already validated when the message was sent
            tags = {}
        from_email = str(
            (options.from_email if options is not None else None) or message.from_email or ""
        )
        template = _template_name(message)
    return _Details(
        from_email=from_email[:998],
        subject=str(message.subject or ""),
        tags=dict(tags),
        configuration_set=configuration_set[:255],
        template=template[:255],
    )


def _accepted(outcome: Outcome) -> dict[str, list[str]]:
    """Each SES message id of the outcome, with the addresses SES accepted under it."""
    status = outcome.status
    groups: dict[str, list[str]] = {}
    for destination in status.destinations:
        if destination.status == SENT and destination.message_id:
            groups.setdefault(destination.message_id, []).append(destination.destination)
    if not groups and status.sent and status.message_id:
        unsent = set(status.unsent_recipients)
        groups[status.message_id] = [
            r.destination
            for r in mime.message_recipients(outcome.message)
            if r.address not in unsent and r.address not in status.suppressed_recipients
        ]
    return groups


def record_outcomes(
    outcomes: Iterable[Outcome],
    options: SendOptions | None = None,
    *,
    payload: EmailPayload | None = None,
    queued: bool = False,
) -> int:
    """Log every message id SES accepted in ``outcomes``; return how many were logged.

    ``options`` are the backend's (for the configuration set and default tags);
    the queued worker passes the message's ``payload`` instead.
    """
    if not enabled():
        return 0
    # app loading: the backend imports this module, and may be imported before the apps.
    from django_ses.send_log.models import SentMessage, SentRecipient

    hashed = hashing()
    now = timezone.now()
    messages: list[SentMessage] = []
    recipients: list[SentRecipient] = []
    for outcome in outcomes:
        groups = _accepted(outcome)
        if not groups:
            continue
        details = _details(outcome.message, options, payload)
        for message_id, addresses in groups.items():
            keys = recipient_keys(addresses, hashed=hashed)
            messages.append(
                SentMessage(
                    message_id=message_id,
                    from_email=details.from_email,
                    recipients=keys,
                    subject=details.subject,
                    tags=details.tags,
                    configuration_set=details.configuration_set,
                    template=details.template,
                    queued=queued,
                    sent_at=now,
                )
            )
            recipients.extend(SentRecipient(message_id=message_id, recipient=k) for k in keys)
    if not messages:
        return 0
    try:
        with transaction.atomic():
            SentMessage.objects.bulk_create(messages, ignore_conflicts=True)
            SentRecipient.objects.bulk_create(recipients, ignore_conflicts=True)
    except DatabaseError as error:
        logger.error(
            "django_ses: the send log could not record %d sent message(s): %s",
            len(messages),
            error,
        )
        return 0
    return len(messages)
