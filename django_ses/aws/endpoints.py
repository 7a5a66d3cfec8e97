"""Where SES requests go: the region and the endpoint URL.

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

from django.core.exceptions import ImproperlyConfigured

from django_ses.conf import DEFAULT_REGION, get_setting

__all__ = ["DEFAULT_REGION", "endpoint_url_from_host", "resolve_endpoint_url", "resolve_region"]


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
    return str(get_setting("AWS_SES_REGION_NAME") or DEFAULT_REGION)


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
