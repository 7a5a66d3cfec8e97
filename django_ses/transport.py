"""boto3 sessions and clients for SES: the backend's view of :mod:`django_ses.aws`.

The client factory lives in :mod:`django_ses.aws.clients`, endpoint resolution
in :mod:`django_ses.aws.endpoints`.
"""

from __future__ import annotations

from django_ses.aws.clients import (
    ClientSettings,
    SessionLike,
    build_client,
    clear_clients,
    create_session,
    settings_for_service,
    shared_client,
)
from django_ses.aws.endpoints import (
    DEFAULT_REGION,
    endpoint_url_from_host,
    resolve_endpoint_url,
    resolve_region,
)

__all__ = [
    "DEFAULT_REGION",
    "ClientSettings",
    "SessionLike",
    "build_client",
    "clear_clients",
    "create_session",
    "endpoint_url_from_host",
    "resolve_endpoint_url",
    "resolve_region",
    "settings_for_service",
    "shared_client",
]
