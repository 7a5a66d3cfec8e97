"""Every public name of django-ses 4.8.2 imports from django_ses.

The list was read from the published django-ses 4.8.2 sdist: every
module-level class, function and constant whose name does not start with
``_``, module by module (migrations left out). A project that migrates keeps
every import it has.
"""

from __future__ import annotations

import importlib
import logging
import re
import warnings

import pytest
from django.dispatch import Signal

from django_ses.conf import SesSettings
from django_ses.deprecation import RemovedInDjangoSES20Warning

DJANGO_SES_4_8_2 = {
    "django_ses": [
        "cached_rate_limits",
        "recent_send_times",
        "logger",
        "dkim_sign",
        "cast_nonzero_to_float",
        "SESBackend",
    ],
    "django_ses.admin": ["SESStatAdmin"],
    "django_ses.apps": ["DjangoSESConfig"],
    "django_ses.conf": ["SesSettings", "settings"],
    "django_ses.deprecation": ["RemovedInDjangoSES20Warning"],
    "django_ses.inbound": [
        "logger",
        "InboundEmail",
        "UnprocessableError",
        "BaseHandler",
        "S3Handler",
        "SnsHandler",
    ],
    "django_ses.management.commands.blacklist": ["Command"],
    "django_ses.management.commands.get_ses_statistics": ["stat_factory", "Command"],
    "django_ses.management.commands.ses_email_address": ["Command"],
    "django_ses.models": ["SESStat", "BlacklistedEmail"],
    "django_ses.signals": [
        "message_sent",
        "bounce_received",
        "complaint_received",
        "delivery_received",
        "send_received",
        "open_received",
        "click_received",
        "bounce_handler",
        "complaint_handler",
    ],
    "django_ses.urls": ["urlpatterns"],
    "django_ses.utils": [
        "logger",
        "SES_REGEX_CERT_URL",
        "SES_REGEX_SNS_ENDPOINT_HOST",
        "clear_cert_cache",
        "EventMessageVerifier",
        "BounceMessageVerifier",
        "verify_event_message",
        "verify_event_topic",
        "is_trusted_sns_subscribe_url",
        "verify_bounce_message",
        "confirm_sns_subscription",
        "get_permanent_bounced_emails_from_bounce_obj",
        "get_emails_from_complaint_obj",
        "filter_blacklisted_recipients",
    ],
    "django_ses.views": [
        "logger",
        "superuser_only",
        "stats_to_list",
        "emails_parse",
        "sum_stats",
        "dashboard",
        "DashboardView",
        "handle_bounce",
        "SESEventWebhookView",
    ],
}

#: The names that are values, not classes or functions, and their types.
VALUES: dict[str, type | tuple[type, ...]] = {
    "cached_rate_limits": dict,
    "recent_send_times": list,
    "logger": logging.Logger,
    "settings": SesSettings,
    "urlpatterns": list,
    "SES_REGEX_CERT_URL": re.Pattern,
    "SES_REGEX_SNS_ENDPOINT_HOST": re.Pattern,
    # Every name of django_ses.signals but the two handlers is a Signal.
    **{
        name: Signal
        for name in DJANGO_SES_4_8_2["django_ses.signals"]
        if not name.endswith("_handler")
    },
}

NAMES = [(module, name) for module, names in DJANGO_SES_4_8_2.items() for name in names]


@pytest.mark.parametrize(("module", "name"), NAMES, ids=[f"{m}.{n}" for m, n in NAMES])
def test_the_django_ses_name_imports(module, name):
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", RemovedInDjangoSES20Warning)
        value = getattr(importlib.import_module(module), name)
    if name in VALUES:
        assert isinstance(value, VALUES[name])
    else:
        assert callable(value)


def test_the_deprecated_state_warns_on_access():
    with pytest.warns(RemovedInDjangoSES20Warning):
        assert importlib.import_module("django_ses").cached_rate_limits == {}
