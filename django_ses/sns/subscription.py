"""Confirming SNS subscriptions with the SNS ``ConfirmSubscription`` API.

The ``SubscribeURL`` of a ``SubscriptionConfirmation`` is never fetched: the
subscription is confirmed through the shared SNS client of
:mod:`django_ses.aws.clients`, in the topic's region, with the backend's
credential settings (else boto3's default chain), and with
``AuthenticateOnUnsubscribe`` so that unsubscribing needs AWS credentials.
"""

from __future__ import annotations

from botocore.config import Config
from botocore.exceptions import BotoCoreError, ClientError

from django_ses.aws.clients import settings_for_service, shared_client
from django_ses.aws.errors import error_code
from django_ses.exceptions import SubscriptionConfirmationError
from django_ses.sns.envelope import topic_region

__all__ = ["confirm_sns_subscription"]

_CONFIG = Config(
    connect_timeout=5, read_timeout=10, retries={"max_attempts": 3, "mode": "standard"}
)


def confirm_sns_subscription(topic_arn: str, token: str) -> str:
    """Confirm a subscription to ``topic_arn``; return the subscription ARN.

    Raises :class:`~django_ses.exceptions.SubscriptionConfirmationError`.
    """
    try:
        client = shared_client(settings_for_service("sns", topic_region(topic_arn), config=_CONFIG))
        response = client.confirm_subscription(
            TopicArn=topic_arn, Token=token, AuthenticateOnUnsubscribe="true"
        )
    except ClientError as exc:
        code = error_code(exc) or "unknown"
        raise SubscriptionConfirmationError(f"ConfirmSubscription failed: {code}") from exc
    except BotoCoreError as exc:
        raise SubscriptionConfirmationError(
            f"ConfirmSubscription failed: {type(exc).__name__}"
        ) from exc
    return str(response.get("SubscriptionArn", ""))
