"""Inbound mail through SES receipt rules (SNS and S3 actions).

The webhook hands every SES ``Received`` notification to this package, in two
steps: :func:`fetch_received` reads the mail (from the notification, or from
S3) before the webhook's database transaction opens, and
:func:`dispatch_fetched` runs the handler selected by ``AWS_SES_INBOUND_HANDLER``
(default :class:`DefaultHandler`), which parses the message and processes it;
the default processing sends :data:`django_ses.signals.inbound_received`.
:func:`dispatch_received` does both.

Failures are never silent:

* a failure that may pass (an S3 error worth retrying, the database being down,
  a handler or signal receiver raising) raises :class:`InboundTransientError`,
  the webhook answers 5xx and SNS delivers the notification again;
* a permanent failure (:class:`UnprocessableError`: the object is missing,
  access is denied, the message is over the size cap, the content can't be
  decoded…) is stored as a :class:`~django_ses.models.FailedInboundEmail` with
  the raw message when there is one, logged at ERROR, and acknowledged.

Modules: :mod:`~django_ses.inbound.handlers` (the handler classes and their
loading), :mod:`~django_ses.inbound.parsing` (raw MIME to ``InboundEmail``),
:mod:`~django_ses.inbound.s3` (reading from S3), :mod:`~django_ses.inbound.dispatch`
(the webhook's entry points) and :mod:`~django_ses.inbound.failures` (storing
what can't be handled). Everything public is importable from here.
"""

from __future__ import annotations

import logging

from django_ses.exceptions import (
    InboundError,
    InboundTransientError,
    S3FetchError,
    S3PermanentError,
    S3TransientError,
    UnprocessableError,
)
from django_ses.inbound.dispatch import (
    SETUP_NOTIFICATION_ID,
    FetchedMail,
    dispatch_fetched,
    dispatch_received,
    fetch_received,
)
from django_ses.inbound.handlers import (
    DEFAULT_HANDLER,
    BaseHandler,
    DefaultHandler,
    S3Handler,
    SnsHandler,
    decode_sns_content,
    get_handler_class,
    raw_handler,
)
from django_ses.inbound.parsing import (
    InboundAttachment,
    InboundEmail,
    inbound_email_from_message,
    parse_raw_message,
)

logger = logging.getLogger(__name__)

__all__ = [
    "DEFAULT_HANDLER",
    "SETUP_NOTIFICATION_ID",
    "BaseHandler",
    "DefaultHandler",
    "FetchedMail",
    "InboundAttachment",
    "InboundEmail",
    "InboundError",
    "InboundTransientError",
    "S3FetchError",
    "S3Handler",
    "S3PermanentError",
    "S3TransientError",
    "SnsHandler",
    "UnprocessableError",
    "decode_sns_content",
    "dispatch_fetched",
    "dispatch_received",
    "fetch_received",
    "get_handler_class",
    "inbound_email_from_message",
    "parse_raw_message",
    "raw_handler",
]
