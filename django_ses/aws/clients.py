"""The one cached factory of boto3 clients: ses, sesv2, sns, s3 and sqs.

A client is built once per process for each distinct configuration (service,
region, endpoint, credentials, botocore ``Config``) and shared by every backend
instance and thread: boto3 clients are thread-safe, building one is not cheap.
:func:`clear_clients` forgets them; it runs when a credential or endpoint
setting changes (``override_settings``), through :mod:`django_ses.caches`.
"""

from __future__ import annotations

import dataclasses
import threading
from dataclasses import dataclass, field
from typing import Any, Literal, Protocol

import boto3
from botocore.config import Config

from django_ses import caches
from django_ses.aws import retries
from django_ses.conf import get_setting

__all__ = [
    "SENDING_SERVICES",
    "ClientSettings",
    "ServiceName",
    "SessionLike",
    "build_client",
    "clear_clients",
    "create_session",
    "settings_for_service",
    "shared_client",
    "with_timeouts",
]

ServiceName = Literal["ses", "sesv2", "sns", "s3", "sqs"]


class SessionLike(Protocol):
    """What ``SESBackend.create_session()`` returns: an object with ``.client()``."""

    def client(self, service_name: Any, *args: Any, **kwargs: Any) -> Any: ...


@dataclass(frozen=True)
class ClientSettings:
    """Everything a client depends on."""

    service_name: ServiceName
    #: ``None``: botocore chooses (S3 follows the bucket's region redirects).
    region_name: str | None
    endpoint_url: str | None = None
    access_key_id: str | None = None
    secret_access_key: str | None = field(default=None, repr=False)
    session_token: str | None = field(default=None, repr=False)
    profile_name: str | None = None
    config: Any = field(default=None, compare=False)  # botocore.config.Config

    def cache_key(self) -> tuple[Any, ...]:
        return (
            self.service_name,
            self.region_name,
            self.endpoint_url,
            self.access_key_id,
            self.secret_access_key,
            self.session_token,
            self.profile_name,
            _config_key(self.config),
        )


def _config_key(config: Any) -> Any:
    if config is None:
        return None
    options = getattr(config, "_user_provided_options", None)
    if isinstance(options, dict):
        try:
            return repr(sorted(options.items()))
        except TypeError:
            pass
    return ("id", id(config))


def settings_for_service(
    service_name: ServiceName, region_name: str | None, *, config: Any = None
) -> ClientSettings:
    """Client settings for ``service_name`` with the credential settings the backend uses.

    ``AWS_SES_ACCESS_KEY_ID`` / ``AWS_ACCESS_KEY_ID`` (and the matching secret,
    session token and profile); unset, boto3's default credential chain.
    botocore resolves the endpoint (``AWS_SES_REGION_ENDPOINT*`` are SES-only).
    """
    return ClientSettings(
        service_name=service_name,
        region_name=region_name,
        access_key_id=get_setting("AWS_SES_ACCESS_KEY_ID"),
        secret_access_key=get_setting("AWS_SES_SECRET_ACCESS_KEY"),
        session_token=get_setting("AWS_SES_SESSION_TOKEN"),
        profile_name=get_setting("AWS_SES_SESSION_PROFILE"),
        config=config,
    )


def create_session(settings: ClientSettings) -> Any:
    """A new boto3 session with the configured profile, else the configured credentials.

    A profile wins over keys set beside it, as in django-ses: with
    ``AWS_SESSION_PROFILE`` (or ``AWS_SES_SESSION_PROFILE``, or the
    ``aws_session_profile`` keyword) set, the session is built from the profile
    alone. Unset credentials fall through to boto3's usual chain (environment,
    shared files, instance and container roles).
    """
    if settings.profile_name:
        return boto3.session.Session(profile_name=settings.profile_name)
    return boto3.session.Session(
        aws_access_key_id=settings.access_key_id or None,
        aws_secret_access_key=settings.secret_access_key or None,
        aws_session_token=settings.session_token or None,
        profile_name=settings.profile_name or None,
    )


#: The services that send mail: their clients get the retry policy of :mod:`django_ses.aws.retries`.
SENDING_SERVICES: frozenset[ServiceName] = frozenset({"ses", "sesv2"})


def build_client(session: SessionLike, settings: ClientSettings) -> Any:
    """A client for ``settings.service_name`` from ``session``.

    An SES client retries with botocore's standard mode unless
    ``settings.config`` says otherwise, and never resends a message whose
    request was written (:mod:`django_ses.aws.retries`).
    """
    kwargs: dict[str, Any] = {"region_name": settings.region_name}
    if settings.endpoint_url:
        kwargs["endpoint_url"] = settings.endpoint_url
    sending = settings.service_name in SENDING_SERVICES
    config = retries.client_config(settings.config) if sending else settings.config
    if config is not None:
        kwargs["config"] = config
    client = session.client(settings.service_name, **kwargs)
    if sending:
        retries.guard_sends(client)
    return client


def with_timeouts(
    settings: ClientSettings,
    *,
    connect_timeout: float,
    read_timeout: float,
    attempts: int,
    adaptive: bool = False,
) -> ClientSettings:
    """``settings`` for a client that must answer quickly (a page, a command).

    Short timeouts and ``attempts`` tries in all (standard or adaptive retries);
    a botocore ``Config`` already in ``settings`` (``AWS_SES_CONFIG``) wins
    where it sets the same options.
    """
    quick = Config(
        connect_timeout=connect_timeout,
        read_timeout=read_timeout,
        retries={"total_max_attempts": attempts, "mode": "adaptive" if adaptive else "standard"},
    )
    config = quick.merge(settings.config) if isinstance(settings.config, Config) else quick
    return dataclasses.replace(settings, config=config)


_clients: dict[tuple[Any, ...], Any] = {}
_clients_lock = threading.Lock()


def shared_client(settings: ClientSettings) -> Any:
    """The process-wide client for ``settings``, built on first use."""
    key = settings.cache_key()
    client = _clients.get(key)
    if client is not None:
        return client
    with _clients_lock:
        client = _clients.get(key)
        if client is None:
            client = build_client(create_session(settings), settings)
            _clients[key] = client
    return client


def clear_clients() -> None:
    """Forget the shared clients (after rotating credentials, for example)."""
    with _clients_lock:
        clients = list(_clients.values())
        _clients.clear()
    for client in clients:
        close = getattr(client, "close", None)
        if callable(close):
            close()


def _forget_clients() -> None:
    # On a settings change: drop the references, without closing clients that a
    # backend of another thread may be using; the garbage collector closes them.
    with _clients_lock:
        _clients.clear()


caches.register_cache(
    "aws clients",
    _forget_clients,
    settings=(
        "AWS_SES_ACCESS_KEY_ID",
        "AWS_SES_SECRET_ACCESS_KEY",
        "AWS_SES_SESSION_TOKEN",
        "AWS_SES_SESSION_PROFILE",
        "AWS_SES_CONFIG",
        "AWS_SES_REGION_NAME",
        "AWS_SES_REGION_ENDPOINT",
        "AWS_SES_REGION_ENDPOINT_URL",
        "AWS_SES_INBOUND_ACCESS_KEY_ID",
        "AWS_SES_INBOUND_SECRET_ACCESS_KEY",
        "AWS_SES_INBOUND_SESSION_TOKEN",
        "AWS_SES_INBOUND_S3_REGION",
    ),
)
