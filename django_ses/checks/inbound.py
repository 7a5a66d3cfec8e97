"""System checks for the inbound side (ids E050-E069, W050-W069)."""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

from django.core import checks
from django.core.exceptions import ImproperlyConfigured

from django_ses.conf import raw_setting
from django_ses.inbound import S3Handler, get_handler_class


@checks.register("django_ses")
def check_inbound_settings(app_configs: Any = None, **kwargs: Any) -> list[checks.CheckMessage]:
    parts = (_check_handler, _check_buckets, _check_max_size, _check_credentials)
    return [message for check in parts for message in check()]


def _check_handler() -> list[checks.CheckMessage]:
    try:
        handler = get_handler_class()
    except ImproperlyConfigured as exc:
        return [
            checks.Error(
                str(exc),
                hint=(
                    "Set AWS_SES_INBOUND_HANDLER to the dotted path of a handler class, e.g. "
                    "'myapp.inbound.MyHandler' (a subclass of django_ses.inbound.DefaultHandler),"
                    " or remove it to use the default handler."
                ),
                id="django_ses.E050",
            )
        ]
    if issubclass(handler, S3Handler) and raw_setting("AWS_SES_INBOUND_S3_BUCKETS") is None:
        return [
            checks.Warning(
                "AWS_SES_INBOUND_S3_BUCKETS is not set: the S3 handler reads any bucket a "
                "verified notification names.",
                hint="Set AWS_SES_INBOUND_S3_BUCKETS to the bucket(s) your receipt rules use.",
                id="django_ses.W050",
            )
        ]
    return []


def _check_buckets() -> list[checks.CheckMessage]:
    value = raw_setting("AWS_SES_INBOUND_S3_BUCKETS")
    if value is None or isinstance(value, str):
        return []
    if isinstance(value, Mapping):
        valid = all(
            isinstance(name, str) and (region is None or isinstance(region, str))
            for name, region in value.items()
        )
    else:
        valid = isinstance(value, (list, tuple, set, frozenset)) and all(
            isinstance(name, str) for name in value
        )
    if valid:
        return []
    return [
        checks.Error(
            f"AWS_SES_INBOUND_S3_BUCKETS = {value!r} is not a list of bucket names or a "
            "dict of bucket name to region.",
            hint="e.g. ['my-inbound-mail'] or {'my-inbound-mail': 'eu-west-1'}.",
            id="django_ses.E051",
        )
    ]


def _check_max_size() -> list[checks.CheckMessage]:
    value = raw_setting("AWS_SES_INBOUND_MAX_MESSAGE_SIZE")
    if value is None or (isinstance(value, int) and not isinstance(value, bool) and value > 0):
        return []
    return [
        checks.Error(
            f"AWS_SES_INBOUND_MAX_MESSAGE_SIZE = {value!r} is not a positive number of bytes.",
            hint="e.g. 40 * 1024 * 1024 (the default: SES stores messages of up to 40 MB).",
            id="django_ses.E052",
        )
    ]


def _check_credentials() -> list[checks.CheckMessage]:
    key_id = raw_setting("AWS_SES_INBOUND_ACCESS_KEY_ID")
    secret = raw_setting("AWS_SES_INBOUND_SECRET_ACCESS_KEY")
    if bool(key_id) == bool(secret):
        return []
    return [
        checks.Error(
            "Only one of AWS_SES_INBOUND_ACCESS_KEY_ID and AWS_SES_INBOUND_SECRET_ACCESS_KEY "
            "is set.",
            hint="Set both, or neither to use boto3's default credentials (an IAM role…).",
            id="django_ses.E053",
        )
    ]
