"""A templated message: what the project asked for, read and checked. Pure functions, no I/O.

A message is templated when it names an SES template (``ses_template``, or
django-anymail's ``template_id``) or carries inline template content
(``ses_template_content``). :func:`template_spec` reads the attributes, ours
and django-anymail's (see :data:`ANYMAIL_ATTRIBUTES`), and returns a
:class:`TemplateSpec`, or ``None`` for an ordinary message. Everything wrong
raises :class:`~django_ses.exceptions.InvalidMessageError` before any call.

:mod:`django_ses.sending.template_request` turns a spec into the
``SendEmail`` and ``SendBulkEmail`` parameters.
"""

from __future__ import annotations

import json
from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field
from email.header import Header
from typing import Any

from django.core.mail import EmailMessage

from django_ses.exceptions import InvalidMessageError
from django_ses.sending import template_attachments
from django_ses.sending.headers import header_value_problem, validate_header_name
from django_ses.sending.mime import Recipient, encode_address
from django_ses.sending.request import validate_tags
from django_ses.sending.template_attachments import Attachment

__all__ = [
    "ANYMAIL_ATTRIBUTES",
    "MAX_TEMPLATE_DATA",
    "REFUSED_ANYMAIL_ATTRIBUTES",
    "Personalisation",
    "TemplateSpec",
    "is_templated",
    "template_spec",
]

#: SES's limit on ``TemplateData`` (and each ``ReplacementTemplateData``), in characters.
MAX_TEMPLATE_DATA = 262144

#: django-anymail's attribute → ours. Set either on any ``EmailMessage``.
ANYMAIL_ATTRIBUTES: dict[str, str] = {
    "template_id": "ses_template",
    "merge_global_data": "ses_template_data",
    "merge_data": "ses_recipient_data",
    "merge_headers": "ses_recipient_headers",
    "merge_metadata": "ses_recipient_metadata",
    "metadata": "ses_metadata",
    "tags": "ses_anymail_tags",
    "esp_extra": "ses_api_extra",
    "track_opens": "ses_track_opens",
    "track_clicks": "ses_track_clicks",
}

#: django-anymail attributes SES cannot honour: setting one raises.
REFUSED_ANYMAIL_ATTRIBUTES: dict[str, str] = {
    "send_at": "SES sends at once: schedule with QueuedSESBackend and a task's run_after",
    "envelope_sender": "set AWS_SES_RETURN_PATH (v2's FeedbackForwardingEmailAddress) instead",
}

# Our per-recipient attributes: the message is sent with SendBulkEmail when one is set.
_PER_RECIPIENT = (
    "ses_recipient_data",
    "ses_recipient_headers",
    "ses_recipient_tags",
    "ses_recipient_metadata",
)

# SES's header limits (botocore's MessageHeader shape).
_HEADER_NAME_MAX = 126
_HEADER_VALUE_MAX = 995

#: The header that carries ``metadata`` (as django-anymail writes it), read back from events.
METADATA_HEADER = "X-Metadata"
#: The header that carries each of django-anymail's ``tags``.
TAG_HEADER = "X-Tag"

_UNSET = object()


@dataclass(frozen=True)
class Personalisation:
    """What one destination of a bulk send gets on top of the message's own."""

    #: The global data with the destination's own over it, as JSON (``None``: the global data).
    data: str | None = None
    headers: tuple[tuple[str, str], ...] = ()
    tags: Mapping[str, str] = field(default_factory=dict)


@dataclass(frozen=True)
class TemplateSpec:
    """A templated message, checked; the SES parameters come from it."""

    #: A stored template: its name, or its ARN.
    name: str | None = None
    arn: str | None = None
    #: Inline content: ``{"Subject": …, "Text": …, "Html": …}`` (those that are set).
    content: Mapping[str, str] | None = None
    #: The global template data, as JSON.
    data: str = "{}"
    headers: tuple[tuple[str, str], ...] = ()
    reply_to: tuple[str, ...] = ()
    attachments: tuple[Attachment, ...] = ()
    #: Keyed by destination (lower case); empty unless some per-recipient data is set.
    personalisations: Mapping[str, Personalisation] = field(default_factory=dict)
    #: ``ConfigurationOverrides.Tracking`` (``{"OpenTrackingEnabled": "ENABLED"}``…).
    tracking: Mapping[str, str] = field(default_factory=dict)
    #: Extra top-level API parameters (``esp_extra``), merged over ours.
    api_extra: Mapping[str, Any] = field(default_factory=dict)

    @property
    def is_bulk(self) -> bool:
        """True when several destinations get their own data: one ``SendBulkEmail`` entry each.

        A single destination (the others blacklisted, say) is sent with ``SendEmail``.
        """
        return len(self.personalisations) > 1


def _attribute(message: EmailMessage, ours: str) -> Any:
    """Our attribute, or django-anymail's name for it; both set and different raises."""
    value = getattr(message, ours, _UNSET)
    for anymail, mapped in ANYMAIL_ATTRIBUTES.items():
        if mapped != ours:
            continue
        other = getattr(message, anymail, _UNSET)
        if other is _UNSET or other is None or _is_anymail_unset(other):
            continue
        if value is not _UNSET and value is not None and value != other:
            raise InvalidMessageError(
                f"The message sets both {ours} and django-anymail's {anymail}: keep one."
            )
        value = other
    return None if value is _UNSET else value


def _is_anymail_unset(value: Any) -> bool:
    # AnymailMessage's attributes default to anymail.utils.UNSET, an object named so.
    return type(value).__name__ in ("_UNSET", "UnsetValue") or repr(value) == "UNSET"


def is_templated(message: EmailMessage) -> bool:
    """True when the message names a template or carries inline template content."""
    return bool(
        _attribute(message, "ses_template") or getattr(message, "ses_template_content", None)
    )


def template_spec(message: EmailMessage, recipients: Sequence[Recipient]) -> TemplateSpec | None:
    """The checked :class:`TemplateSpec` of ``message``, or ``None`` for an ordinary message.

    ``recipients`` are the message's envelope recipients (blacklist applied).
    """
    _refuse_unsupported(message)
    if not is_templated(message):
        _refuse_template_only_attributes(message)
        return None
    name, arn = _stored_template(message)
    content = _inline_content(message)
    if (name or arn) and content:
        raise InvalidMessageError(
            "The message names a stored template and carries inline template content: "
            "give one of ses_template and ses_template_content."
        )
    if message.body or getattr(message, "alternatives", None):
        raise InvalidMessageError(
            "A templated message takes its subject and bodies from the template: "
            "leave body empty and attach no alternatives."
        )
    metadata = _mapping(message, "ses_metadata")
    headers = _headers(_message_headers(message, metadata), origin="headers")
    global_data = _mapping(message, "ses_template_data") or {}
    return TemplateSpec(
        name=name,
        arn=arn,
        content=content,
        data=_json(global_data, origin="ses_template_data"),
        headers=headers,
        reply_to=tuple(
            encode_address(str(a), field="Reply-To address") for a in message.reply_to or ()
        ),
        attachments=template_attachments.from_message(message),
        personalisations=_personalisations(message, recipients, metadata, global_data),
        tracking=_tracking(message),
        api_extra=_mapping(message, "ses_api_extra") or {},
    )


def _refuse_unsupported(message: EmailMessage) -> None:
    for name, advice in REFUSED_ANYMAIL_ATTRIBUTES.items():
        value = getattr(message, name, None)
        if value is not None and not _is_anymail_unset(value):
            raise InvalidMessageError(f"django-anymail's {name} is not supported: {advice}.")


def _refuse_template_only_attributes(message: EmailMessage) -> None:
    for ours in (*_PER_RECIPIENT, "ses_template_data"):
        if _attribute(message, ours):
            raise InvalidMessageError(
                f"{ours} (or its django-anymail name) needs a template: set ses_template "
                "(template_id) or ses_template_content."
            )


def _stored_template(message: EmailMessage) -> tuple[str | None, str | None]:
    value = _attribute(message, "ses_template")
    if value is None or value == "":
        return None, None
    if not isinstance(value, str):
        raise InvalidMessageError(
            f"ses_template (template_id) must be a template name or ARN, not {value!r}."
        )
    return (None, value) if value.startswith("arn:") else (value, None)


def _inline_content(message: EmailMessage) -> dict[str, str] | None:
    content = getattr(message, "ses_template_content", None)
    if content is None:
        return None
    if not isinstance(content, Mapping):
        raise InvalidMessageError(
            "ses_template_content must be a mapping with 'subject', 'text' and/or 'html'."
        )
    unknown = sorted(set(content) - {"subject", "text", "html"})
    if unknown:
        raise InvalidMessageError(
            f"ses_template_content has unknown keys {unknown}: use 'subject', 'text', 'html'."
        )
    if not content.get("subject") or not (content.get("text") or content.get("html")):
        raise InvalidMessageError(
            "ses_template_content needs a 'subject' and a 'text' or 'html' body."
        )
    return {key.capitalize(): str(value) for key, value in content.items() if value}


def _mapping(message: EmailMessage, ours: str) -> dict[Any, Any] | None:
    value = _attribute(message, ours)
    if value is None:
        return None
    if not isinstance(value, Mapping):
        raise InvalidMessageError(f"{ours} must be a mapping, not {type(value).__name__}.")
    return dict(value)


def _json(data: Any, *, origin: str) -> str:
    try:
        text = json.dumps(data, ensure_ascii=False, separators=(",", ":"))
    except (TypeError, ValueError) as error:
        raise InvalidMessageError(
            f"{origin} cannot be sent as template data: it is not JSON-serialisable ({error})."
        ) from error
    if len(text) > MAX_TEMPLATE_DATA:
        raise InvalidMessageError(
            f"{origin} is {len(text)} characters as JSON; SES accepts at most {MAX_TEMPLATE_DATA}."
        )
    return text


def _message_headers(message: EmailMessage, metadata: Mapping[str, Any] | None) -> list[Any]:
    pairs: list[tuple[Any, Any]] = [
        (name, value)
        for name, value in (message.extra_headers or {}).items()
        if name not in ("message_id", "request_id", "status")
    ]
    if metadata:
        pairs.append((METADATA_HEADER, _json(metadata, origin="ses_metadata")))
    anymail_tags = _attribute(message, "ses_anymail_tags")
    if anymail_tags:
        if isinstance(anymail_tags, str) or not isinstance(anymail_tags, Sequence):
            raise InvalidMessageError("tags (django-anymail) must be a list of strings.")
        pairs.extend((TAG_HEADER, str(tag)) for tag in anymail_tags)
    return pairs


def _headers(pairs: Sequence[tuple[Any, Any]], *, origin: str) -> tuple[tuple[str, str], ...]:
    """Header pairs as SES's template headers take them: printable ASCII, encoded if not."""
    clean: list[tuple[str, str]] = []
    for name, value in pairs:
        text_name = str(name)
        validate_header_name(text_name)
        if len(text_name) > _HEADER_NAME_MAX:
            raise InvalidMessageError(
                f"The header name {text_name[:40]!r}… in {origin} is longer than SES's "
                f"{_HEADER_NAME_MAX} characters."
            )
        text = str(value)
        problem = header_value_problem(text)
        if problem:
            raise InvalidMessageError(
                f"Invalid value for header {text_name!r} in {origin}: it {problem}."
            )
        if not text.isascii():
            text = Header(text, "utf-8").encode()
        if not text or len(text) > _HEADER_VALUE_MAX:
            raise InvalidMessageError(
                f"The value of header {text_name!r} in {origin} must be 1-{_HEADER_VALUE_MAX} "
                "characters for SES."
            )
        clean.append((text_name, text))
    return tuple(clean)


def _per_recipient(message: EmailMessage, ours: str) -> dict[str, Any]:
    value = _mapping(message, ours)
    return {str(key).lower(): item for key, item in (value or {}).items()}


def _personalisations(
    message: EmailMessage,
    recipients: Sequence[Recipient],
    metadata: Mapping[str, Any] | None,
    global_data: Mapping[str, Any],
) -> dict[str, Personalisation]:
    given = {ours: _per_recipient(message, ours) for ours in _PER_RECIPIENT}
    if not any(given.values()):
        return {}
    if message.cc or message.bcc:
        raise InvalidMessageError(
            "A message with per-recipient data sends one message to each To address: "
            "it cannot have Cc or Bcc recipients."
        )
    destinations = {r.destination.lower() for r in recipients}
    known = {str(a).lower() for a in message.to} | destinations
    for ours, per_address in given.items():
        strangers = sorted(key for key in per_address if key not in known)
        if strangers:
            raise InvalidMessageError(
                f"{ours} has entries for {', '.join(strangers)}, who "
                f"{'is' if len(strangers) == 1 else 'are'} not among the message's To addresses."
            )
    result: dict[str, Personalisation] = {}
    for recipient in recipients:
        keys = (recipient.destination.lower(), recipient.address.lower())

        def pick(ours: str, keys: tuple[str, ...] = keys) -> Any:
            return next((given[ours][k] for k in keys if k in given[ours]), None)

        data = pick("ses_recipient_data")
        if data is not None and not isinstance(data, Mapping):
            raise InvalidMessageError(
                f"ses_recipient_data for {recipient.destination} must be a dict, not "
                f"{type(data).__name__}."
            )
        recipient_metadata = pick("ses_recipient_metadata")
        header_map = pick("ses_recipient_headers") or {}
        if not isinstance(header_map, Mapping):
            raise InvalidMessageError("ses_recipient_headers must map each address to a dict.")
        pairs = list(header_map.items())
        if recipient_metadata:
            merged = {**(metadata or {}), **dict(recipient_metadata)}
            pairs.append((METADATA_HEADER, _json(merged, origin="ses_recipient_metadata")))
        origin = f"the data for {recipient.destination}"
        result[recipient.destination.lower()] = Personalisation(
            data=None
            if data is None
            else _json({**global_data, **data}, origin=f"ses_recipient_data for {origin}"),
            headers=_headers(pairs, origin=origin),
            tags=validate_tags(pick("ses_recipient_tags") or {}, origin="ses_recipient_tags"),
        )
    return result


def _tracking(message: EmailMessage) -> dict[str, str]:
    tracking: dict[str, str] = {}
    for ours, key in (
        ("ses_track_opens", "OpenTrackingEnabled"),
        ("ses_track_clicks", "ClickTrackingEnabled"),
    ):
        value = _attribute(message, ours)
        if value is not None:
            tracking[key] = "ENABLED" if value else "DISABLED"
    return tracking
