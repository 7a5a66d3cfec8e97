"""System checks for the SQS event consumer (ids E090-E099). Silent unless a queue is set."""

from __future__ import annotations

from typing import Any

from django.core import checks

from django_ses.conf import get_setting
from django_ses.exceptions import ClassLoadError

_MAX_WAIT = 20  # SQS long polling waits at most 20 s
_MAX_VISIBILITY = 43_200  # 12 hours


def _whole(value: Any, low: int, high: int) -> bool:
    return isinstance(value, int) and not isinstance(value, bool) and low <= value <= high


@checks.register("django_ses")
def check_sqs(app_configs: Any = None, **kwargs: Any) -> list[checks.CheckMessage]:
    """The consumer's settings, when ``AWS_SES_SQS_QUEUE_URLS`` is set."""
    urls = get_setting("AWS_SES_SQS_QUEUE_URLS")
    if not urls:
        return []
    messages: list[checks.CheckMessage] = []
    if isinstance(urls, str) or not all(
        isinstance(u, str) and u.startswith(("https://", "http://")) for u in urls
    ):
        messages.append(
            checks.Error(
                "AWS_SES_SQS_QUEUE_URLS must be a list of SQS queue URLs.",
                hint="Like ['https://sqs.eu-west-1.amazonaws.com/123456789012/ses-events'].",
                id="django_ses.E090",
            )
        )
    if not _whole(get_setting("AWS_SES_SQS_WAIT_SECONDS"), 0, _MAX_WAIT):
        messages.append(
            checks.Error(
                "AWS_SES_SQS_WAIT_SECONDS must be a whole number of seconds from 0 to 20.",
                hint="SQS long polling waits at most 20 seconds; 20 costs the fewest calls.",
                id="django_ses.E091",
            )
        )
    visibility = get_setting("AWS_SES_SQS_VISIBILITY_TIMEOUT")
    if visibility is not None and not _whole(visibility, 0, _MAX_VISIBILITY):
        messages.append(
            checks.Error(
                "AWS_SES_SQS_VISIBILITY_TIMEOUT must be None (the queue's own) or a whole "
                "number of seconds from 0 to 43200.",
                id="django_ses.E092",
            )
        )
    try:
        # app loading: the view class imports the webhook views, ready only now.
        from django_ses.sqs.handling import event_view_class

        event_view_class(get_setting("AWS_SES_SQS_EVENT_VIEW") or "")
    except ClassLoadError as error:
        messages.append(
            checks.Error(
                str(error),
                hint="Name an SESEventWebhookView subclass, or leave it unset.",
                id="django_ses.E093",
            )
        )
    return messages
