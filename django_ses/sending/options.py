"""The backend's options: constructor keywords and settings, resolved once.

:meth:`SendOptions.resolve` turns the keywords of
:class:`~django_ses.backends.ses.SESBackend` into a frozen
:class:`SendOptions`. A keyword that was passed wins over its setting, even
``False`` or ``0``; ``None`` (or not passing it) means "use the setting",
except for ``aws_auto_throttle``, where ``None`` turns throttling off as the
setting does.
"""

from __future__ import annotations

import dataclasses
import hashlib
from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass, field
from typing import Any

from django.core.exceptions import ImproperlyConfigured

from django_ses.aws.clients import DEFAULT_POOL_CONNECTIONS, ClientSettings
from django_ses.aws.endpoints import resolve_endpoint_url, resolve_region
from django_ses.conf import get_setting
from django_ses.sending import mime
from django_ses.sending.request import Envelope

__all__ = ["KEYWORDS", "UNSET", "OptionAlias", "SendOptions"]


class _Unset:
    def __repr__(self) -> str:
        return "<unset>"


#: Default of every constructor keyword: "not passed, use the setting".
UNSET: Any = _Unset()

#: The constructor keywords of :class:`~django_ses.SESBackend` that are options.
KEYWORDS = (
    "aws_session_profile",
    "aws_access_key",
    "aws_secret_key",
    "aws_session_token",
    "aws_region_name",
    "aws_region_endpoint",
    "aws_auto_throttle",
    "aws_config",
    "dkim_domain",
    "dkim_key",
    "dkim_selector",
    "dkim_headers",
    "ses_source_arn",
    "ses_from_arn",
    "ses_return_path_arn",
    "use_ses_v2",
    "aws_global_endpoint_id",
    "concurrency",
)

#: ``AWS_SES_CONFIGURATION_SET``: a name, or a callable returning one per message.
ConfigurationSetting = str | Callable[..., str | None] | None


def _throttle_factor(value: Any) -> float | None:
    if value is None or value is False or value == 0:
        return None
    if isinstance(value, bool) or not isinstance(value, (int, float)) or value < 0:
        raise ImproperlyConfigured(
            f"AWS_SES_AUTO_THROTTLE (aws_auto_throttle) is {value!r}; use a number between "
            "0 and 1 (the share of the account's maximum send rate), or None to turn "
            "throttling off."
        )
    return float(value)


def _concurrency(value: Any) -> int:
    if isinstance(value, bool) or not isinstance(value, int) or value < 1:
        raise ImproperlyConfigured(
            f"AWS_SES_SEND_CONCURRENCY (concurrency) is {value!r}; use a whole number of "
            "messages sent at once, at least 1 (1 sends one message after the other)."
        )
    return value


@dataclass(frozen=True)
class SendOptions:
    """Everything a send depends on besides the message, resolved from keywords and settings."""

    region_name: str
    session_profile: str | None
    access_key_id: str | None
    secret_access_key: str | None = field(repr=False)
    session_token: str | None = field(repr=False)
    config: Any = field(compare=False)  # botocore.config.Config
    use_ses_v2: bool
    global_endpoint_id: str | None
    endpoint_url: str | None
    #: The share of the account's send rate to use; ``None``: no throttling.
    throttle: float | None
    dkim_domain: str | None
    dkim_key: str | bytes | None = field(repr=False)
    dkim_selector: str
    dkim_headers: Sequence[str] | str
    source_arn: str | None
    from_arn: str | None
    return_path_arn: str | None
    from_email: str | None
    return_path: str | None
    configuration_set: ConfigurationSetting
    default_tags: Mapping[str, Any] | None
    use_blacklist: bool
    #: ``AWS_SES_CHECK_SUPPRESSION_LIST``: look recipients up on the SES suppression list.
    check_suppression_list: bool = False
    #: The most destinations one templated message may have (before chunking).
    template_max_destinations: int = 10_000
    #: How many messages of one ``send_messages()`` call are sent at once.
    concurrency: int = 1
    #: ``AWS_SES_LIST_MANAGEMENT_OPTIONS``: the default ``ListManagementOptions`` (unchecked).
    list_management: Mapping[str, Any] | None = None

    @classmethod
    def resolve(cls, keywords: Mapping[str, Any]) -> SendOptions:
        """The options for these constructor keywords (missing or ``UNSET``: use the setting).

        ``keywords`` maps names of :data:`KEYWORDS` to the values passed.
        Raises :class:`~django.core.exceptions.ImproperlyConfigured` for a bad
        combination or value.
        """
        unknown = set(keywords) - set(KEYWORDS)
        if unknown:
            raise TypeError(f"Unknown SESBackend keywords: {', '.join(sorted(unknown))}")

        def option(name: str, setting: str) -> Any:
            """A keyword that was passed (even ``False`` or ``0``) wins; ``None``: the setting."""
            value = keywords.get(name, UNSET)
            if value is not UNSET and value is not None:
                return value
            return get_setting(setting)

        v2 = bool(option("use_ses_v2", "USE_SES_V2"))
        global_endpoint_id = option("aws_global_endpoint_id", "AWS_SES_GLOBAL_ENDPOINT_ID") or None
        if global_endpoint_id and not v2:
            raise ImproperlyConfigured(
                "AWS_SES_GLOBAL_ENDPOINT_ID (aws_global_endpoint_id) needs SES API v2: "
                "set USE_SES_V2 = True (or pass use_ses_v2=True)."
            )
        region_keyword = keywords.get("aws_region_name", UNSET)
        region_keyword = None if region_keyword is UNSET else region_keyword
        endpoint_keyword = keywords.get("aws_region_endpoint", UNSET)
        throttle = keywords.get("aws_auto_throttle", UNSET)
        if throttle is UNSET:
            throttle = get_setting("AWS_SES_AUTO_THROTTLE")
        return cls(
            session_profile=option("aws_session_profile", "AWS_SES_SESSION_PROFILE"),
            access_key_id=option("aws_access_key", "AWS_SES_ACCESS_KEY_ID"),
            secret_access_key=option("aws_secret_key", "AWS_SES_SECRET_ACCESS_KEY"),
            session_token=option("aws_session_token", "AWS_SES_SESSION_TOKEN"),
            region_name=resolve_region(region_keyword),
            config=option("aws_config", "AWS_SES_CONFIG"),
            use_ses_v2=v2,
            global_endpoint_id=global_endpoint_id,
            endpoint_url=resolve_endpoint_url(
                endpoint_keyword=None if endpoint_keyword is UNSET else endpoint_keyword,
                region_keyword=region_keyword,
                global_endpoint_id=global_endpoint_id,
            ),
            throttle=_throttle_factor(throttle),
            dkim_domain=option("dkim_domain", "DKIM_DOMAIN"),
            dkim_key=option("dkim_key", "DKIM_PRIVATE_KEY"),
            dkim_selector=option("dkim_selector", "DKIM_SELECTOR"),
            dkim_headers=option("dkim_headers", "DKIM_HEADERS"),
            source_arn=option("ses_source_arn", "AWS_SES_SOURCE_ARN"),
            from_arn=option("ses_from_arn", "AWS_SES_FROM_ARN"),
            return_path_arn=option("ses_return_path_arn", "AWS_SES_RETURN_PATH_ARN"),
            from_email=get_setting("AWS_SES_FROM_EMAIL"),
            return_path=get_setting("AWS_SES_RETURN_PATH"),
            configuration_set=get_setting("AWS_SES_CONFIGURATION_SET"),
            default_tags=get_setting("AWS_SES_DEFAULT_TAGS"),
            use_blacklist=get_setting("AWS_SES_USE_BLACKLIST"),
            check_suppression_list=get_setting("AWS_SES_CHECK_SUPPRESSION_LIST"),
            template_max_destinations=get_setting("AWS_SES_TEMPLATE_MAX_DESTINATIONS"),
            concurrency=_concurrency(option("concurrency", "AWS_SES_SEND_CONCURRENCY")),
            list_management=get_setting("AWS_SES_LIST_MANAGEMENT_OPTIONS"),
        )

    @property
    def api(self) -> mime.Api:
        """``"v2"`` (``SendEmail``) or ``"v1"`` (``SendRawEmail``)."""
        return "v2" if self.use_ses_v2 else "v1"

    def client_settings(self) -> ClientSettings:
        """What the boto3 client is built from."""
        return ClientSettings(
            service_name="sesv2" if self.use_ses_v2 else "ses",
            region_name=self.region_name,
            endpoint_url=self.endpoint_url,
            access_key_id=self.access_key_id or None,
            secret_access_key=self.secret_access_key or None,
            session_token=self.session_token or None,
            profile_name=self.session_profile or None,
            config=self.config,
            max_pool_connections=max(self.concurrency, DEFAULT_POOL_CONNECTIONS),
        )

    @property
    def throttle_key(self) -> str:
        """Identifies the SES account and region whose send rate is shared."""
        account = self.access_key_id or self.session_profile or "default-credentials"
        # The key ends up in cache keys and log lines: never show the access key id itself.
        digest = hashlib.sha256(account.encode()).hexdigest()[:16]
        return f"{digest}@{self.region_name}"

    def envelope(self) -> Envelope:
        """The request parameters that come from settings and keywords.

        Raises :class:`~django_ses.exceptions.InvalidMessageError` when
        ``AWS_SES_RETURN_PATH`` is not a valid address.
        """
        return_path = None
        if self.use_ses_v2 and self.return_path:
            return_path = mime.encode_address(self.return_path, field="AWS_SES_RETURN_PATH")
        return Envelope(
            from_email=self.from_email,
            return_path=return_path,
            source_arn=self.source_arn or None,
            from_arn=self.from_arn or None,
            return_path_arn=self.return_path_arn or None,
            global_endpoint_id=self.global_endpoint_id if self.use_ses_v2 else None,
        )


class OptionAlias:
    """An attribute of a backend that reads, and on assignment replaces, one of its options.

    ``backend.dkim_domain = "example.org"`` gives the backend new
    :class:`SendOptions` with that ``dkim_domain``.
    """

    def __init__(self, field_name: str) -> None:
        self.field_name = field_name

    def __get__(self, backend: Any, owner: type | None = None) -> Any:
        if backend is None:
            return self
        return getattr(backend.options, self.field_name)

    def __set__(self, backend: Any, value: Any) -> None:
        backend.options = dataclasses.replace(backend.options, **{self.field_name: value})
