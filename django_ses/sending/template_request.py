"""The SES v2 request of a templated message. Pure functions, no I/O.

* :func:`v2_template_params`: ``SendEmail`` with ``Template`` content, for a
  message without per-recipient data (or with a single recipient);
* :func:`v2_bulk_params`: ``SendBulkEmail``, one entry per destination, for
  at most :data:`~django_ses.sending.request.MAX_DESTINATIONS_PER_CALL`
  destinations.

Both take the :class:`~django_ses.sending.template.TemplateSpec` and the
request parts every send has (sender, envelope, configuration set, tags).
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping, Sequence
from typing import TYPE_CHECKING, Any

if TYPE_CHECKING:
    from typing_extensions import Unpack  # typing.Unpack from Python 3.11

from django_ses.sending.mime import Recipient
from django_ses.sending.request import RequestParts
from django_ses.sending.template import TemplateSpec

__all__ = ["v2_bulk_params", "v2_template_params"]


def _template(
    spec: TemplateSpec, data: str | None, headers: Sequence[tuple[str, str]]
) -> dict[str, Any]:
    template: dict[str, Any] = {}
    if spec.arn:
        template["TemplateArn"] = spec.arn
    elif spec.name:
        template["TemplateName"] = spec.name
    else:
        template["TemplateContent"] = dict(spec.content or {})
    template["TemplateData"] = data if data is not None else spec.data
    if headers:
        template["Headers"] = _header_list(headers)
    if spec.attachments:
        template["Attachments"] = [dict(a) for a in spec.attachments]
    return template


def _header_list(headers: Iterable[tuple[str, str]]) -> list[dict[str, str]]:
    return [{"Name": name, "Value": value} for name, value in headers]


def _tag_list(tags: Mapping[str, str]) -> list[dict[str, str]]:
    return [{"Name": name, "Value": value} for name, value in tags.items()]


def _common(spec: TemplateSpec, parts: RequestParts) -> dict[str, Any]:
    envelope = parts["envelope"]
    common = {
        "FromEmailAddress": parts["sender"],
        "FromEmailAddressIdentityArn": envelope.from_arn or envelope.source_arn,
        "ReplyToAddresses": list(spec.reply_to),
        "FeedbackForwardingEmailAddress": envelope.return_path,
        "FeedbackForwardingEmailAddressIdentityArn": envelope.return_path_arn,
        "ConfigurationSetName": parts["configuration_set"],
        "EndpointId": envelope.global_endpoint_id,
        "ConfigurationOverrides": {"Tracking": dict(spec.tracking)} if spec.tracking else None,
    }
    return {name: value for name, value in common.items() if value}


def v2_template_params(
    spec: TemplateSpec, recipients: Iterable[Recipient], **parts: Unpack[RequestParts]
) -> dict[str, Any]:
    """Keyword arguments of SES v2 ``send_email`` with ``Template`` content.

    A single destination's own data and headers (when it has some) are used.
    """
    recipients = list(recipients)
    destination: dict[str, list[str]] = {}
    field_names = {"to": "ToAddresses", "cc": "CcAddresses", "bcc": "BccAddresses"}
    for recipient in recipients:
        destination.setdefault(field_names[recipient.kind], []).append(recipient.destination)
    data: str | None = None
    headers = list(spec.headers)
    tags = dict(parts["tags"])
    if len(recipients) == 1 and recipients[0].destination.lower() in spec.personalisations:
        own = spec.personalisations[recipients[0].destination.lower()]
        data = own.data
        headers = _merged_headers(headers, own.headers)
        tags.update(own.tags)
    params = {
        "Destination": destination,
        "Content": {"Template": _template(spec, data, headers)},
        **_common(spec, parts),
    }
    if tags:
        params["EmailTags"] = _tag_list(tags)
    return {**params, **spec.api_extra}


def v2_bulk_params(
    spec: TemplateSpec, recipients: Iterable[Recipient], **parts: Unpack[RequestParts]
) -> dict[str, Any]:
    """Keyword arguments of SES v2 ``send_bulk_email``: one entry per destination."""
    entries: list[dict[str, Any]] = []
    for recipient in recipients:
        entry: dict[str, Any] = {"Destination": {"ToAddresses": [recipient.destination]}}
        own = spec.personalisations.get(recipient.destination.lower())
        if own is not None and own.data is not None:
            entry["ReplacementEmailContent"] = {
                "ReplacementTemplate": {"ReplacementTemplateData": own.data}
            }
        if own is not None and own.headers:
            entry["ReplacementHeaders"] = _header_list(own.headers)
        if own is not None and own.tags:
            entry["ReplacementTags"] = _tag_list({**parts["tags"], **own.tags})
        entries.append(entry)
    params: dict[str, Any] = {
        "DefaultContent": {"Template": _template(spec, None, spec.headers)},
        "BulkEmailEntries": entries,
        **_common(spec, parts),
    }
    if parts["tags"]:
        params["DefaultEmailTags"] = _tag_list(parts["tags"])
    return {**params, **spec.api_extra}


def _merged_headers(
    base: Sequence[tuple[str, str]], own: Sequence[tuple[str, str]]
) -> list[tuple[str, str]]:
    """``base`` with the headers ``own`` names replaced by ``own``'s (as SES merges them)."""
    replaced = {name.lower() for name, _ in own}
    return [pair for pair in base if pair[0].lower() not in replaced] + list(own)
