"""System checks for unsubscribe and SES list management (ids E110-E119, W110-W119).

``W110`` (an ``http://`` unsubscribe URL) is a deployment check, as ``W032`` is:
plain http is what development uses.
"""

from __future__ import annotations

import urllib.parse
from collections.abc import Iterator
from typing import Any

from django.core import checks
from django.urls import NoReverseMatch, reverse

from django_ses.conf import raw_setting
from django_ses.exceptions import InvalidMessageError
from django_ses.sending.list_management import validate_list_management


@checks.register("django_ses")
def check_unsubscribe_settings(app_configs: Any = None, **kwargs: Any) -> list[checks.CheckMessage]:
    messages: list[checks.CheckMessage] = []
    for check in (_check_list_management, _check_base_url, _check_tokens):
        messages.extend(check())
    return messages


def _check_list_management() -> Iterator[checks.CheckMessage]:
    value = raw_setting("AWS_SES_LIST_MANAGEMENT_OPTIONS")
    if value is None:
        return
    try:
        validate_list_management(value, origin="AWS_SES_LIST_MANAGEMENT_OPTIONS")
    except InvalidMessageError as error:
        yield checks.Error(
            str(error),
            hint="For example {'ContactListName': 'Newsletter', 'TopicName': 'weekly'}.",
            id="django_ses.E110",
        )
    if not raw_setting("USE_SES_V2"):
        yield checks.Error(
            "AWS_SES_LIST_MANAGEMENT_OPTIONS is set but USE_SES_V2 is not: list management "
            "(ListManagementOptions) exists only in SES API v2, every send would fail.",
            hint="Set USE_SES_V2 = True, or remove AWS_SES_LIST_MANAGEMENT_OPTIONS.",
            id="django_ses.E111",
        )


def _check_base_url() -> Iterator[checks.CheckMessage]:
    base = raw_setting("AWS_SES_UNSUBSCRIBE_BASE_URL")
    if not base:
        return
    parsed = urllib.parse.urlsplit(str(base))
    if parsed.scheme not in ("http", "https") or not parsed.netloc:
        yield checks.Error(
            f"AWS_SES_UNSUBSCRIBE_BASE_URL is {base!r}, not an absolute http(s) URL.",
            hint="Give the site's scheme and host, such as 'https://www.example.com'.",
            id="django_ses.E112",
        )
        return
    name = raw_setting("AWS_SES_UNSUBSCRIBE_URL_NAME")
    try:
        reverse(str(name), kwargs={"token": "token"})
    except NoReverseMatch:
        yield checks.Error(
            f"AWS_SES_UNSUBSCRIBE_URL_NAME is {name!r}, which names no URL pattern taking a "
            "<token>: unsubscribe links cannot be made.",
            hint="include('django_ses.urls') in the URLconf (its pattern is "
            "'django_ses_unsubscribe'), or route UnsubscribeView under that name.",
            id="django_ses.E113",
        )
    if raw_setting("AWS_SES_UNSUBSCRIBE_BLACKLIST") and not raw_setting("AWS_SES_USE_BLACKLIST"):
        yield checks.Warning(
            "Unsubscribed addresses go on the blacklist (AWS_SES_UNSUBSCRIBE_BLACKLIST), but "
            "AWS_SES_USE_BLACKLIST is off: mail would still be sent to them.",
            hint="Set AWS_SES_USE_BLACKLIST = True, or AWS_SES_UNSUBSCRIBE_BLACKLIST = False "
            "and handle the unsubscribe_received signal yourself.",
            id="django_ses.W111",
        )


@checks.register("django_ses", checks.Tags.security, deploy=True)
def check_unsubscribe_url_scheme(
    app_configs: Any = None, **kwargs: Any
) -> list[checks.CheckMessage]:
    """W110, a deployment check: http:// unsubscribe links are fine in development only."""
    base = raw_setting("AWS_SES_UNSUBSCRIBE_BASE_URL")
    if not base or urllib.parse.urlsplit(str(base)).scheme != "http":
        return []
    return [
        checks.Warning(
            f"AWS_SES_UNSUBSCRIBE_BASE_URL is {base!r}: Gmail and Yahoo honour one-click "
            "unsubscribe (RFC 8058) for https:// URLs only.",
            hint="Use https:// outside development.",
            id="django_ses.W110",
        )
    ]


def _check_tokens() -> Iterator[checks.CheckMessage]:
    days = raw_setting("AWS_SES_UNSUBSCRIBE_MAX_AGE_DAYS")
    if days is not None and (
        isinstance(days, bool) or not isinstance(days, (int, float)) or days <= 0
    ):
        yield checks.Error(
            f"AWS_SES_UNSUBSCRIBE_MAX_AGE_DAYS is {days!r}; use a positive number of days, "
            "or None for links that never expire.",
            id="django_ses.E114",
        )
    salt = raw_setting("AWS_SES_UNSUBSCRIBE_SALT")
    if not isinstance(salt, str) or not salt:
        yield checks.Error(
            f"AWS_SES_UNSUBSCRIBE_SALT is {salt!r}; use a non-empty string.",
            id="django_ses.E115",
        )
