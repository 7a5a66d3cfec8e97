"""Public helpers kept importable from their django-ses locations.

The webhook views look up :func:`verify_event_message` here at request time, so
test suites can patch ``django_ses.utils.verify_event_message``.
"""

from __future__ import annotations

import logging
import urllib.parse
from collections.abc import Mapping
from typing import Any

from django_ses.blacklist import (
    filter_blacklisted_recipients,
    get_emails_from_complaint_obj,
    get_permanent_bounced_emails_from_bounce_obj,
)
from django_ses.exceptions import SubscriptionConfirmationError
from django_ses.sns import subscription
from django_ses.sns.certificates import CERT_URL, SNS_ENDPOINT_HOST, clear_cert_cache
from django_ses.sns.envelope import is_topic_arn
from django_ses.sns.signature import (
    BounceMessageVerifier,
    EventMessageVerifier,
    verify_bounce_message,
    verify_event_message,
)
from django_ses.webhook.config import allowed_topic_arns

logger = logging.getLogger(__name__)

#: An SNS signing-certificate URL (django-ses's name).
SES_REGEX_CERT_URL = CERT_URL
#: An SNS endpoint host (django-ses's name).
SES_REGEX_SNS_ENDPOINT_HOST = SNS_ENDPOINT_HOST

__all__ = [
    "SES_REGEX_CERT_URL",
    "SES_REGEX_SNS_ENDPOINT_HOST",
    "BounceMessageVerifier",
    "EventMessageVerifier",
    "clear_cert_cache",
    "confirm_sns_subscription",
    "filter_blacklisted_recipients",
    "get_emails_from_complaint_obj",
    "get_permanent_bounced_emails_from_bounce_obj",
    "is_trusted_sns_subscribe_url",
    "verify_bounce_message",
    "verify_event_message",
    "verify_event_topic",
]


def verify_event_topic(notification: Mapping[str, Any]) -> bool:
    """Whether the notification's ``TopicArn`` is trusted.

    With no ``AWS_SNS_EVENT_TRUSTED_TOPIC_ARNS`` every topic is, as in django-ses.
    """
    trusted = allowed_topic_arns()
    return trusted is None or notification.get("TopicArn") in trusted


def is_trusted_sns_subscribe_url(url: object) -> bool:
    """Whether ``url`` is an ``https`` URL of an SNS endpoint (no port, no user info)."""
    if not isinstance(url, str) or not url:
        return False
    try:
        parsed = urllib.parse.urlsplit(url)
        port = parsed.port
    except ValueError:
        return False
    if parsed.scheme != "https" or port is not None or "@" in parsed.netloc:
        return False
    return SNS_ENDPOINT_HOST.match(parsed.hostname or "") is not None


def confirm_sns_subscription(notification: Mapping[str, Any]) -> str | None:
    """Confirm a ``SubscriptionConfirmation``, as the webhook does; the subscription ARN.

    The topic must be trusted (:func:`verify_event_topic`). The subscription is
    confirmed with the SNS ``ConfirmSubscription`` API and the message's
    ``Token``: the ``SubscribeURL`` is never fetched. As in django-ses, a refusal
    or a failure is logged and returns ``None``. Check the message's signature
    first (:func:`verify_event_message`).
    """
    topic_arn = notification.get("TopicArn")
    if not verify_event_topic(notification) or not is_topic_arn(topic_arn):
        logger.warning("Rejected subscription confirmation from untrusted topic: %r", topic_arn)
        return None
    token = notification.get("Token")
    if not isinstance(token, str) or not token:
        logger.warning("Subscription confirmation without a Token (TopicArn %s)", topic_arn)
        return None
    try:
        arn = subscription.confirm_sns_subscription(str(topic_arn), token)
    except SubscriptionConfirmationError as error:
        logger.error("Could not confirm the subscription to %s: %s", topic_arn, error)
        return None
    logger.info("Confirmed the SNS subscription to %s", topic_arn)
    return arn
