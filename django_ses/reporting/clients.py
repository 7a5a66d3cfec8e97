"""The SES clients reporting uses, and the one way it calls them.

Clients come from :mod:`django_ses.aws.clients` (shared, cached), with the
client settings of the project's default mailer (its options, credentials,
region, endpoint, ``AWS_SES_CONFIG`` and ``create_session()`` override), and
short timeouts. Every
AWS failure of :func:`~django_ses.reporting.calls.call` is raised as a
:class:`~django_ses.exceptions.StatsError` whose text says what to do.
"""

from __future__ import annotations

import dataclasses
import hashlib
import warnings
from typing import TYPE_CHECKING, Any

from django.utils.module_loading import import_string

from django_ses.aws.clients import (
    ClientSettings,
    ServiceName,
    build_client,
    shared_client,
    with_timeouts,
)
from django_ses.backends.ses import SESBackend
from django_ses.conf import get_setting
from django_ses.exceptions import StatsError
from django_ses.reporting.advice import describe_aws_error
from django_ses.reporting.calls import call, paginate

if TYPE_CHECKING:
    from mypy_boto3_ses import SESClient
    from mypy_boto3_sesv2 import SESV2Client

#: A page or a command that asks SES never hangs: short timeouts, few tries.
CONNECT_TIMEOUT = 5
READ_TIMEOUT = 15
ATTEMPTS = 2
#: Bulk commands may hit SES's rate limits: more tries, with adaptive retries.
BULK_ATTEMPTS = 8

__all__ = [
    "ATTEMPTS",
    "BULK_ATTEMPTS",
    "account_fingerprint",
    "call",
    "client_settings",
    "configured_api",
    "default_mailer",
    "paginate",
    "ses_backend",
    "v1_client",
    "v2_client",
]


# -- clients ----------------------------------------------------------------------------------
def default_mailer() -> tuple[str, dict[str, Any]]:
    """The default mailer's backend path and options (``MAILERS`` or ``EMAIL_BACKEND``)."""
    mailers = get_setting("MAILERS")  # Django 6.1+, when the project uses it
    if isinstance(mailers, dict):
        config = mailers.get("default") or {}
        return str(config.get("BACKEND", "")), dict(config.get("OPTIONS") or {})
    with warnings.catch_warnings():
        # Django 6.1 deprecates EMAIL_BACKEND; it warns about it when it sends mail.
        warnings.filterwarnings("ignore", message="The EMAIL_BACKEND setting is deprecated")
        return str(get_setting("EMAIL_BACKEND") or ""), {}


def ses_backend() -> SESBackend:
    """The project's default mailer when it is an ``SESBackend`` (subclass), else one.

    So reporting uses the same settings, options, credentials and
    ``create_session()`` override as the mail the project sends.
    """
    path, options = default_mailer()
    try:
        configured = import_string(path) if path else None
    except ImportError:
        configured = None
    if isinstance(configured, type) and issubclass(configured, SESBackend):
        return configured(**options)
    return SESBackend()


def client_settings(service_name: ServiceName, attempts: int = ATTEMPTS) -> ClientSettings:
    """The settings of a reporting client: the default mailer's, with short timeouts."""
    base = ses_backend().client_settings
    return with_timeouts(
        dataclasses.replace(base, service_name=service_name),
        connect_timeout=CONNECT_TIMEOUT,
        read_timeout=READ_TIMEOUT,
        attempts=attempts,
        adaptive=attempts > ATTEMPTS,
    )


def _client(service_name: ServiceName, attempts: int) -> Any:
    try:
        backend = ses_backend()
        settings = client_settings(service_name, attempts)
        if backend.uses_default_session():
            return shared_client(settings)
        return build_client(backend.create_session(), settings)
    except Exception as error:  # bad settings, an unknown profile, …: say which
        raise StatsError(describe_aws_error(error)) from error


def v1_client(attempts: int = ATTEMPTS) -> SESClient:
    """A boto3 ``ses`` (API v1) client configured like the default mailer's."""
    client: SESClient = _client("ses", attempts)
    return client


def v2_client(attempts: int = ATTEMPTS) -> SESV2Client:
    """A boto3 ``sesv2`` client configured like the default mailer's."""
    client: SESV2Client = _client("sesv2", attempts)
    return client


def configured_api() -> str:
    """``"v2"`` when ``USE_SES_V2`` is set, else ``"v1"``."""
    return "v2" if get_setting("USE_SES_V2") else "v1"


def account_fingerprint() -> str:
    """A short hash of the account, region and endpoint SES is reached at (no secrets)."""
    parts: tuple[Any, ...]
    try:
        settings = ses_backend().client_settings
        parts = (
            settings.region_name,
            settings.endpoint_url,
            settings.access_key_id,
            settings.profile_name,
        )
    except Exception:  # unusable settings: nothing worth keeping apart
        parts = ("unconfigured",)
    return hashlib.sha256(repr(parts).encode()).hexdigest()[:32]
