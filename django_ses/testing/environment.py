"""Point boto3 at the local SES, with dummy credentials, through the environment.

Real credentials from the environment or a profile are never used, so code
under test cannot send real mail by accident.
"""

from __future__ import annotations

import os

__all__ = ["CREDENTIAL", "environment", "point_boto3_at"]

CREDENTIAL = "local-ses"
_DROPPED = ("AWS_PROFILE", "AWS_SESSION_TOKEN", "AWS_SECURITY_TOKEN")


def environment(url: str, region: str = "us-east-1") -> dict[str, str]:
    """The variables boto3 reads: endpoint URLs of SES, SES v2, SNS and S3, and dummy keys."""
    return {
        "AWS_ACCESS_KEY_ID": CREDENTIAL,
        "AWS_SECRET_ACCESS_KEY": CREDENTIAL,
        "AWS_DEFAULT_REGION": region,
        "AWS_ENDPOINT_URL": url,
        "AWS_ENDPOINT_URL_SES": url,
        "AWS_ENDPOINT_URL_SESV2": url,
        "AWS_ENDPOINT_URL_SNS": url,
        "AWS_ENDPOINT_URL_S3": url,
    }


def point_boto3_at(url: str, region: str = "us-east-1") -> dict[str, str | None]:
    """Set :func:`environment` in ``os.environ``; return what it replaced, for restoring."""
    wanted: dict[str, str | None] = {**dict.fromkeys(_DROPPED), **environment(url, region)}
    previous = {name: os.environ.get(name) for name in wanted}
    restore(wanted)
    return previous


def restore(values: dict[str, str | None]) -> None:
    """Set (or, for ``None``, remove) each variable."""
    for name, value in values.items():
        if value is None:
            os.environ.pop(name, None)
        else:
            os.environ[name] = value
