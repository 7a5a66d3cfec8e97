"""System checks for the sending side (ids E001-E029, W001-W029).

They catch, at start-up, the settings that would otherwise fail on the first
send (or worse, send differently than intended).
"""

from __future__ import annotations

import math
import re
import urllib.parse
from collections.abc import Iterator
from typing import Any

from botocore.compat import HAS_CRT
from botocore.config import Config
from django.conf import settings
from django.core import checks
from django.core.exceptions import ImproperlyConfigured

from django_ses.conf import DEFAULT_REGION, get_setting, raw_setting
from django_ses.exceptions import DKIMError, InvalidMessageError
from django_ses.sending import dkim as dkim_signing
from django_ses.sending import quota, throttle
from django_ses.sending.mime import parse_address
from django_ses.sending.request import validate_tags

_ARN_SETTINGS = ("AWS_SES_SOURCE_ARN", "AWS_SES_FROM_ARN", "AWS_SES_RETURN_PATH_ARN")
_REGIONAL_HOST = re.compile(
    r"^email(?:-fips)?\.([a-z]{2}(?:-[a-z]+)+-\d+)\.amazonaws\.com(?:\.cn)?$"
)


@checks.register("django_ses")
def check_sending_settings(app_configs: Any = None, **kwargs: Any) -> list[checks.CheckMessage]:
    messages: list[checks.CheckMessage] = []
    for check in (
        _check_global_endpoint,
        _check_endpoints,
        _check_dkim,
        _check_default_tags,
        _check_throttle,
        _check_configuration_set,
        _check_botocore_config,
        _check_addresses,
        _check_arns,
        _check_suppression_list,
    ):
        messages.extend(check())
    return messages


def _use_v2() -> bool:
    return bool(raw_setting("USE_SES_V2"))


def _check_global_endpoint() -> Iterator[checks.CheckMessage]:
    endpoint_id = raw_setting("AWS_SES_GLOBAL_ENDPOINT_ID")
    if not endpoint_id:
        return
    if not _use_v2():
        yield checks.Error(
            "AWS_SES_GLOBAL_ENDPOINT_ID is set but USE_SES_V2 is not: global endpoints "
            "exist only in SES API v2.",
            hint="Set USE_SES_V2 = True.",
            id="django_ses.E001",
        )
    if not HAS_CRT:
        yield checks.Error(
            "AWS_SES_GLOBAL_ENDPOINT_ID is set but botocore's CRT signer (awscrt) is not "
            "installed: requests to a global endpoint must be signed with SigV4a.",
            hint="pip install 'django-ses[crt]' (it installs botocore[crt]).",
            id="django_ses.E002",
        )
    if raw_setting("AWS_SES_REGION_ENDPOINT"):
        yield checks.Warning(
            "AWS_SES_REGION_ENDPOINT is ignored while AWS_SES_GLOBAL_ENDPOINT_ID is set: "
            "the requests must reach the multi-region endpoint host.",
            hint="Remove AWS_SES_REGION_ENDPOINT.",
            id="django_ses.W003",
        )


def _check_endpoints() -> Iterator[checks.CheckMessage]:
    host = raw_setting("AWS_SES_REGION_ENDPOINT")
    if host:
        text = str(host).strip()
        if text.lower().startswith("email-smtp."):
            yield checks.Error(
                f"AWS_SES_REGION_ENDPOINT is {host!r}, an SES SMTP host; django_ses uses "
                "the SES API.",
                hint="Use the API host, such as 'email.us-west-2.amazonaws.com', or remove "
                "the setting and set AWS_SES_REGION_NAME.",
                id="django_ses.E003",
            )
        elif "://" in text or "/" in text:
            yield checks.Error(
                f"AWS_SES_REGION_ENDPOINT is {host!r}, a URL; it takes a host name.",
                hint="Put a full URL in AWS_SES_REGION_ENDPOINT_URL instead, or give only "
                "the host, such as 'email.us-west-2.amazonaws.com'.",
                id="django_ses.E004",
            )
        else:
            match = _REGIONAL_HOST.match(text.lower())
            region = get_setting("AWS_SES_REGION_NAME") or DEFAULT_REGION
            if match and match.group(1) != region:
                yield checks.Warning(
                    f"AWS_SES_REGION_ENDPOINT {host!r} belongs to {match.group(1)}, but the "
                    f"region is {region!r}: requests would be signed for the wrong region.",
                    hint="Set AWS_SES_REGION_NAME to the endpoint's region, or remove "
                    "AWS_SES_REGION_ENDPOINT and let botocore pick the endpoint.",
                    id="django_ses.W004",
                )
    url = raw_setting("AWS_SES_REGION_ENDPOINT_URL")
    if url:
        parsed = urllib.parse.urlsplit(str(url))
        if parsed.scheme not in ("http", "https") or not parsed.netloc:
            yield checks.Error(
                f"AWS_SES_REGION_ENDPOINT_URL is {url!r}, not an http(s) URL.",
                hint="For example 'https://email.us-west-2.amazonaws.com', or a local SES "
                "such as 'http://127.0.0.1:5000'.",
                id="django_ses.E005",
            )


def _check_dkim() -> Iterator[checks.CheckMessage]:
    domain = raw_setting("DKIM_DOMAIN")
    key = raw_setting("DKIM_PRIVATE_KEY")
    if not domain and not key:
        return
    if not (domain and key):
        missing = "DKIM_PRIVATE_KEY" if domain else "DKIM_DOMAIN"
        yield checks.Error(
            f"Manual DKIM signing needs DKIM_DOMAIN and DKIM_PRIVATE_KEY; {missing} is not "
            "set, so messages would go out unsigned.",
            hint=f"Set {missing}, or remove both settings (SES Easy DKIM needs neither).",
            id="django_ses.E007",
        )
        return
    if not dkim_signing.dkimpy_available():
        yield checks.Error(
            "DKIM_DOMAIN and DKIM_PRIVATE_KEY are set but dkimpy is not installed: every "
            "send would fail.",
            hint="pip install 'django-ses[dkim]'.",
            id="django_ses.E006",
        )
        return
    try:
        dkim_signing.load_private_key(key)
        dkim_signing.normalize_signed_headers(raw_setting("DKIM_HEADERS"))
        dkim_signing.sign_message(
            b"From: a@example.com\r\nSubject: check\r\n\r\nbody\r\n",
            domain=domain,
            private_key=key,
            selector=raw_setting("DKIM_SELECTOR"),
            headers=raw_setting("DKIM_HEADERS"),
        )
    except DKIMError as error:
        yield checks.Error(
            f"Manual DKIM signing is misconfigured: {error}",
            id="django_ses.E008",
        )


def _check_default_tags() -> Iterator[checks.CheckMessage]:
    tags = raw_setting("AWS_SES_DEFAULT_TAGS")
    if tags is None:
        return
    try:
        validate_tags(tags, origin="AWS_SES_DEFAULT_TAGS")
    except InvalidMessageError as error:
        yield checks.Error(
            str(error),
            hint="For example AWS_SES_DEFAULT_TAGS = {'app': 'shop', 'env': 'production'}.",
            id="django_ses.E009",
        )


def _is_number(value: object) -> bool:
    return (
        isinstance(value, (int, float))
        and not isinstance(value, bool)
        and math.isfinite(float(value))
    )


def _check_throttle() -> Iterator[checks.CheckMessage]:
    factor = raw_setting("AWS_SES_AUTO_THROTTLE")
    if factor is not None and factor is not False:
        if not _is_number(factor) or factor < 0:
            yield checks.Error(
                f"AWS_SES_AUTO_THROTTLE is {factor!r}; it must be a number between 0 and 1 "
                "(the share of the account's maximum send rate to use), or None.",
                hint="The default is 0.5; None turns throttling off.",
                id="django_ses.E010",
            )
        elif factor > 1:
            yield checks.Warning(
                f"AWS_SES_AUTO_THROTTLE is {factor!r}: sending faster than the account's "
                "maximum send rate makes SES refuse messages.",
                hint="Use a factor of at most 1.",
                id="django_ses.W001",
            )
    try:
        quota.configured_max_send_rate()
    except ImproperlyConfigured as error:
        yield checks.Error(str(error), id="django_ses.E011")
    try:
        throttle.rate_limit_cache_alias()
    except ImproperlyConfigured as error:
        yield checks.Error(str(error), id="django_ses.E016")


def _check_configuration_set() -> Iterator[checks.CheckMessage]:
    value = raw_setting("AWS_SES_CONFIGURATION_SET")
    if value is None or callable(value):
        return
    if not isinstance(value, str) or not value.strip():
        yield checks.Error(
            f"AWS_SES_CONFIGURATION_SET is {value!r}; it must be a configuration set name "
            "or a callable that returns one.",
            id="django_ses.E012",
        )


def _check_botocore_config() -> Iterator[checks.CheckMessage]:
    value = raw_setting("AWS_SES_CONFIG")
    if value is not None and not isinstance(value, Config):
        yield checks.Error(
            f"AWS_SES_CONFIG must be a botocore.config.Config, not {type(value).__name__}.",
            hint="For example AWS_SES_CONFIG = Config(retries={'mode': 'standard'}).",
            id="django_ses.E013",
        )


def _check_addresses() -> Iterator[checks.CheckMessage]:
    for name in ("AWS_SES_FROM_EMAIL", "AWS_SES_RETURN_PATH"):
        value = raw_setting(name)
        if not value:
            continue
        try:
            parse_address(str(value), field=name)
        except InvalidMessageError as error:
            yield checks.Error(str(error), id="django_ses.E014")
    if raw_setting("AWS_SES_RETURN_PATH") and not _use_v2():
        yield checks.Warning(
            "AWS_SES_RETURN_PATH is ignored by SES API v1 (SendRawEmail has no such parameter).",
            hint="Set USE_SES_V2 = True to send it as FeedbackForwardingEmailAddress.",
            id="django_ses.W002",
        )


def _check_arns() -> Iterator[checks.CheckMessage]:
    for name in _ARN_SETTINGS:
        value = raw_setting(name)
        if value and (not isinstance(value, str) or not value.startswith("arn:")):
            yield checks.Error(
                f"{name} is {value!r}, not an identity ARN.",
                hint="For example 'arn:aws:ses:eu-central-1:123456789012:identity/example.com'.",
                id="django_ses.E015",
            )


def _check_suppression_list() -> Iterator[checks.CheckMessage]:
    if not get_setting("AWS_SES_CHECK_SUPPRESSION_LIST"):
        return
    alias = get_setting("AWS_SES_SUPPRESSION_LIST_CACHE")
    if not isinstance(alias, str) or alias not in settings.CACHES:
        yield checks.Error(
            f"AWS_SES_SUPPRESSION_LIST_CACHE must name a cache in CACHES "
            f"({', '.join(map(repr, settings.CACHES)) or 'none defined'}), got {alias!r}.",
            hint="The pre-send check (AWS_SES_CHECK_SUPPRESSION_LIST) keeps SES's answers there.",
            id="django_ses.E020",
        )
    ttl = get_setting("AWS_SES_SUPPRESSION_LIST_CACHE_TTL")
    if ttl is not None and (not _is_number(ttl) or ttl <= 0):
        yield checks.Error(
            f"AWS_SES_SUPPRESSION_LIST_CACHE_TTL is {ttl!r}; it must be a number of seconds "
            "above 0, or None (keep the answers until the cache evicts them).",
            id="django_ses.E021",
        )
