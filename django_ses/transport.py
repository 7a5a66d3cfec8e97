"""boto3 sessions and clients for SES.

A client is built once per process for each distinct configuration (service,
region, endpoint, credentials, botocore ``Config``) and shared by every backend
instance and thread: boto3 clients are thread-safe, building one is not cheap.

Endpoint resolution, in order:

1. the backend's ``aws_region_endpoint`` keyword (a host name, or a URL);
2. ``AWS_SES_REGION_ENDPOINT_URL``, a full URL (a proxy, a local SES…);
3. ``AWS_SES_REGION_ENDPOINT``, a host name, unless the backend was given
   another region with ``aws_region_name`` (that host belongs to the settings'
   region) or a global endpoint is used (its requests must reach the
   multi-region host);
4. otherwise botocore resolves the endpoint from the region and the
   ``Config`` (China regions, FIPS, dual-stack, global endpoints all work),
   and honours ``AWS_ENDPOINT_URL_SES`` / ``AWS_ENDPOINT_URL_SESV2``.
"""

from __future__ import annotations

import threading
from dataclasses import dataclass, field
from typing import Any, Literal, Protocol

from django.core.exceptions import ImproperlyConfigured

from django_ses.conf import get_setting

__all__ = [
    "ClientSettings",
    "SessionLike",
    "build_client",
    "clear_clients",
    "create_session",
    "endpoint_url_from_host",
    "resolve_endpoint_url",
    "resolve_region",
    "shared_client",
]

DEFAULT_REGION = "us-east-1"


class SessionLike(Protocol):
    """What ``SESBackend.create_session()`` returns: an object with ``.client()``."""

    def client(self, service_name: Any, *args: Any, **kwargs: Any) -> Any: ...


@dataclass(frozen=True)
class ClientSettings:
    """Everything a client depends on."""

    service_name: Literal["ses", "sesv2", "sns"]
    region_name: str
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


def endpoint_url_from_host(host: str) -> str:
    """``email.eu-west-1.amazonaws.com`` → ``https://email.eu-west-1.amazonaws.com``."""
    value = host.strip()
    if "://" in value:
        return value.rstrip("/")
    if value.lower().startswith("email-smtp."):
        raise ImproperlyConfigured(
            f"AWS_SES_REGION_ENDPOINT is {host!r}, an SES SMTP host. django_ses uses the "
            "SES API: use the API host (email.<region>.amazonaws.com), or leave the "
            "setting unset so botocore picks the endpoint for AWS_SES_REGION_NAME."
        )
    return f"https://{value.rstrip('/')}"


def resolve_region(region_keyword: str | None) -> str:
    """The region: the keyword, ``AWS_SES_REGION_NAME``, ``AWS_DEFAULT_REGION``, us-east-1."""
    if region_keyword:
        return region_keyword
    return str(
        get_setting("AWS_SES_REGION_NAME", None, fallbacks=("AWS_DEFAULT_REGION",))
        or DEFAULT_REGION
    )


def resolve_endpoint_url(
    *,
    endpoint_keyword: str | None,
    region_keyword: str | None,
    global_endpoint_id: str | None,
) -> str | None:
    """The endpoint URL to give botocore, or ``None`` to let botocore resolve it."""
    if endpoint_keyword:
        return endpoint_url_from_host(endpoint_keyword)
    url = get_setting("AWS_SES_REGION_ENDPOINT_URL")
    if url:
        return str(url).rstrip("/")
    host = get_setting("AWS_SES_REGION_ENDPOINT")
    if not host or global_endpoint_id:
        return None
    settings_region = resolve_region(None)
    if region_keyword and region_keyword != settings_region:
        return None
    return endpoint_url_from_host(str(host))


def settings_for_service(
    service_name: Literal["ses", "sesv2", "sns"], region_name: str, *, config: Any = None
) -> ClientSettings:
    """Client settings for ``service_name`` with the credential settings the backend uses.

    ``AWS_SES_ACCESS_KEY_ID`` / ``AWS_ACCESS_KEY_ID`` (and the matching secret,
    session token and profile); unset, boto3's default credential chain.
    botocore resolves the endpoint (``AWS_SES_REGION_ENDPOINT*`` are SES-only).
    """
    return ClientSettings(
        service_name=service_name,
        region_name=region_name,
        access_key_id=get_setting("AWS_SES_ACCESS_KEY_ID", fallbacks=("AWS_ACCESS_KEY_ID",)),
        secret_access_key=get_setting(
            "AWS_SES_SECRET_ACCESS_KEY", fallbacks=("AWS_SECRET_ACCESS_KEY",)
        ),
        session_token=get_setting("AWS_SES_SESSION_TOKEN", fallbacks=("AWS_SESSION_TOKEN",)),
        profile_name=get_setting("AWS_SES_SESSION_PROFILE", fallbacks=("AWS_SESSION_PROFILE",)),
        config=config,
    )


def create_session(settings: ClientSettings) -> Any:
    """A new boto3 session with the configured credentials or profile.

    Unset credentials fall through to boto3's usual chain (environment, shared
    files, instance and container roles).
    """
    import boto3

    return boto3.session.Session(
        aws_access_key_id=settings.access_key_id or None,
        aws_secret_access_key=settings.secret_access_key or None,
        aws_session_token=settings.session_token or None,
        profile_name=settings.profile_name or None,
    )


def build_client(session: SessionLike, settings: ClientSettings) -> Any:
    """A client for ``settings.service_name`` from ``session``."""
    kwargs: dict[str, Any] = {"region_name": settings.region_name}
    if settings.endpoint_url:
        kwargs["endpoint_url"] = settings.endpoint_url
    if settings.config is not None:
        kwargs["config"] = settings.config
    return session.client(settings.service_name, **kwargs)


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
