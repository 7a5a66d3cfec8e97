"""The SES clients reporting uses, and the one way it calls them.

Clients come from :mod:`django_ses.aws.clients` (shared, cached), with the
backend's credential, region, endpoint and ``AWS_SES_CONFIG`` settings. Every
AWS failure of :func:`call` is raised as a
:class:`~django_ses.exceptions.StatsError` whose text says what to do.
"""

from __future__ import annotations

import dataclasses
import hashlib
from collections.abc import Iterator
from typing import TYPE_CHECKING, Any

from botocore.exceptions import BotoCoreError, ClientError

from django_ses.aws.clients import ClientSettings, ServiceName, settings_for_service, shared_client
from django_ses.aws.endpoints import resolve_endpoint_url, resolve_region
from django_ses.aws.errors import error_code
from django_ses.conf import get_setting
from django_ses.exceptions import StatsError
from django_ses.reporting.advice import describe_aws_error

if TYPE_CHECKING:
    from mypy_boto3_ses import SESClient
    from mypy_boto3_sesv2 import SESV2Client

__all__ = [
    "account_fingerprint",
    "call",
    "client_settings",
    "configured_api",
    "paginate",
    "v1_client",
    "v2_client",
]


# -- clients ----------------------------------------------------------------------------------
def client_settings(service_name: ServiceName) -> ClientSettings:
    """The settings of an SES client, from the same settings the backend reads."""
    base = settings_for_service(
        service_name, resolve_region(None), config=get_setting("AWS_SES_CONFIG")
    )
    endpoint_url = resolve_endpoint_url(
        endpoint_keyword=None, region_keyword=None, global_endpoint_id=None
    )
    return dataclasses.replace(base, endpoint_url=endpoint_url)


def _client(service_name: ServiceName) -> Any:
    try:
        return shared_client(client_settings(service_name))
    except Exception as error:  # bad settings, an unknown profile, …: say which
        raise StatsError(describe_aws_error(error)) from error


def v1_client() -> SESClient:
    """The shared boto3 ``ses`` (API v1) client."""
    client: SESClient = _client("ses")
    return client


def v2_client() -> SESV2Client:
    """The shared boto3 ``sesv2`` client."""
    client: SESV2Client = _client("sesv2")
    return client


def configured_api() -> str:
    """``"v2"`` when ``USE_SES_V2`` is set, else ``"v1"``."""
    return "v2" if get_setting("USE_SES_V2") else "v1"


def account_fingerprint() -> str:
    """A short hash of the account, region and endpoint SES is reached at (no secrets)."""
    parts: tuple[Any, ...]
    try:
        settings = client_settings("ses")
        parts = (
            settings.region_name,
            settings.endpoint_url,
            settings.access_key_id,
            settings.profile_name,
        )
    except Exception:  # unusable settings: nothing worth keeping apart
        parts = ("unconfigured",)
    return hashlib.sha256(repr(parts).encode()).hexdigest()[:32]


def call(client: Any, operation: str, method: str, **kwargs: Any) -> Any:
    """``client.<method>(**kwargs)``; an AWS failure raises :class:`StatsError` with its code."""
    try:
        return getattr(client, method)(**kwargs)
    except (BotoCoreError, ClientError) as error:
        raise StatsError(describe_aws_error(error, operation), error_code(error)) from error


def paginate(
    client: Any, operation: str, method: str, page: dict[str, Any]
) -> Iterator[dict[str, Any]]:
    """Every answer of a ``NextToken``-paginated listing."""
    token: str | None = None
    while True:
        kwargs = dict(page, NextToken=token) if token else dict(page)
        answer: dict[str, Any] = call(client, operation, method, **kwargs)
        yield answer
        token = answer.get("NextToken")
        if not token:
            return
