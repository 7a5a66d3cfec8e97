"""Admin for the stored statistics, the blacklist, the event log, failed inbound mail,
queued deliveries and the send log.

Importing this package (Django's admin autodiscovery does) registers every
model admin of django_ses, one module per group of models: ``stats``, ``blacklist``,
``logs``, ``queue``, ``send_log``.
"""

from __future__ import annotations

from django_ses.admin.blacklist import BlacklistedEmailAdmin, BlacklistedEmailForm
from django_ses.admin.logs import (
    FailedInboundEmailAdmin,
    SNSNotificationAdmin,
    download_raw_messages,
)
from django_ses.admin.queue import QueuedDeliveryAdmin
from django_ses.admin.send_log import SentMessageAdmin, SentMessageEventAdmin
from django_ses.admin.stats import RateListFilter, SESStatAdmin
from django_ses.csv_export import csv_export_action, csv_response

__all__ = [
    "BlacklistedEmailAdmin",
    "BlacklistedEmailForm",
    "FailedInboundEmailAdmin",
    "QueuedDeliveryAdmin",
    "RateListFilter",
    "SESStatAdmin",
    "SNSNotificationAdmin",
    "SentMessageAdmin",
    "SentMessageEventAdmin",
    "csv_export_action",
    "csv_response",
    "download_raw_messages",
]
