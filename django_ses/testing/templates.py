"""The local SES's email templates and templated sending (SES v2), which moto's server lacks.

* ``CreateEmailTemplate``, ``GetEmailTemplate``, ``UpdateEmailTemplate``,
  ``DeleteEmailTemplate``, ``ListEmailTemplates`` (paged) and
  ``TestRenderEmailTemplate``: :class:`EmailTemplates`.
* ``SendEmail`` with ``Template`` content and ``SendBulkEmail``:
  :func:`send_templated` and :func:`send_bulk`. Each destination's message is
  rendered as SES renders it (``{{name}}`` and ``{{a.b}}`` placeholders),
  built as MIME (subject, text, HTML, headers, attachments) and accepted like
  any other message: recorded in ``sent_messages()`` and given to the mailbox
  simulator, whose events go to SNS.

A placeholder without data is a rendering failure: ``TestRenderEmailTemplate``
answers ``BadRequestException``; a send is accepted (SES renders later) and the
destination is recorded in :attr:`EmailTemplates.rendering_failures`, as SES
would publish a Rendering Failure event. :meth:`EmailTemplates.reject` makes
``SendBulkEmail`` refuse a destination with an entry status.

Not implemented: Handlebars blocks (``{{#if}}``, ``{{#each}}``), template tags.
"""

from __future__ import annotations

import base64
import json
import re
import threading
from collections.abc import Callable
from dataclasses import dataclass, field
from email.message import EmailMessage
from email.utils import formatdate, make_msgid
from typing import TYPE_CHECKING, Any

from django_ses.testing.calls import Call
from django_ses.testing.wire import SESError

if TYPE_CHECKING:
    from django_ses.testing.ses import SESAccount

__all__ = ["EmailTemplates", "Rendered", "render", "send_bulk", "send_templated"]

_PLACEHOLDER = re.compile(r"{{\s*([A-Za-z0-9_.-]+)\s*}}")
_DATA_LIMIT = 262_144

Handler = Callable[[Call, dict[str, Any]], dict[str, Any]]


class MissingVariable(Exception):
    def __init__(self, name: str) -> None:
        super().__init__(name)
        self.name = name


def render(text: str, data: dict[str, Any]) -> str:
    """``text`` with its placeholders replaced; :class:`MissingVariable` for one without data."""

    def value(match: re.Match[str]) -> str:
        current: Any = data
        for key in match.group(1).split("."):
            if not isinstance(current, dict) or key not in current:
                raise MissingVariable(match.group(1))
            current = current[key]
        return str(current)

    return _PLACEHOLDER.sub(value, text)


@dataclass
class Rendered:
    """One destination's message as the local SES rendered it."""

    message_id: str
    destination: dict[str, list[str]]
    subject: str
    text: str | None
    html: str | None
    headers: dict[str, str]
    tags: dict[str, str]
    attachments: list[dict[str, Any]]
    template: str | None
    operation: str


@dataclass
class EmailTemplates:
    """The account's templates, what was rendered, and the refusals to inject."""

    store: dict[str, dict[str, str]] = field(default_factory=dict)
    rendered: list[Rendered] = field(default_factory=list)
    #: (destination, variable) of each send SES would report as a Rendering Failure.
    rendering_failures: list[tuple[str, str]] = field(default_factory=list)
    #: Destinations ``SendBulkEmail`` refuses, with the entry status it gives.
    rejected: dict[str, str] = field(default_factory=dict)
    _lock: threading.Lock = field(default_factory=threading.Lock)

    def reset(self) -> None:
        with self._lock:
            self.store.clear()
            self.rendered.clear()
            self.rendering_failures.clear()
            self.rejected.clear()

    def reject(self, destination: str, status: str = "MESSAGE_REJECTED") -> None:
        """Make ``SendBulkEmail`` refuse ``destination`` with the entry ``status``."""
        self.rejected[destination] = status

    def handlers(self) -> dict[str, Handler]:
        return {
            "CreateEmailTemplate": self._create,
            "GetEmailTemplate": self._get,
            "UpdateEmailTemplate": self._update,
            "DeleteEmailTemplate": self._delete,
            "ListEmailTemplates": self._list,
            "TestRenderEmailTemplate": self._test_render,
        }

    def content(self, template: dict[str, Any]) -> dict[str, str]:
        """The content a ``Template`` parameter names (stored, or inline)."""
        if "TemplateContent" in template:
            return dict(template["TemplateContent"])
        name = template.get("TemplateName") or str(template.get("TemplateArn", "")).split("/")[-1]
        with self._lock:
            if name not in self.store:
                raise SESError("NotFoundException", f"Template {name} does not exist.", 404)
            return dict(self.store[name])

    def _named(self, name: str) -> dict[str, str]:
        if name not in self.store:
            raise SESError("NotFoundException", f"Template {name} does not exist.", 404)
        return self.store[name]

    def _create(self, call: Call, params: dict[str, Any]) -> dict[str, Any]:
        with self._lock:
            name = params["TemplateName"]
            if name in self.store:
                raise SESError("AlreadyExistsException", f"Template {name} already exists.")
            self.store[name] = dict(params["TemplateContent"])
        return {}

    def _get(self, call: Call, params: dict[str, Any]) -> dict[str, Any]:
        with self._lock:
            content = dict(self._named(params["TemplateName"]))
        return {"TemplateName": params["TemplateName"], "TemplateContent": content}

    def _update(self, call: Call, params: dict[str, Any]) -> dict[str, Any]:
        with self._lock:
            self._named(params["TemplateName"])
            self.store[params["TemplateName"]] = dict(params["TemplateContent"])
        return {}

    def _delete(self, call: Call, params: dict[str, Any]) -> dict[str, Any]:
        with self._lock:
            self._named(params["TemplateName"])
            del self.store[params["TemplateName"]]
        return {}

    def _list(self, call: Call, params: dict[str, Any]) -> dict[str, Any]:
        size = int(params.get("PageSize") or 10)
        start = int(params.get("NextToken") or 0)
        with self._lock:
            names = sorted(self.store)
        answer: dict[str, Any] = {
            "TemplatesMetadata": [{"TemplateName": n} for n in names[start : start + size]]
        }
        if start + size < len(names):
            answer["NextToken"] = str(start + size)
        return answer

    def _test_render(self, call: Call, params: dict[str, Any]) -> dict[str, Any]:
        with self._lock:
            content = dict(self._named(params["TemplateName"]))
        data = _data(params["TemplateData"])
        try:
            parts = {key: render(text, data) for key, text in content.items()}
        except MissingVariable as missing:
            raise SESError(
                "BadRequestException",
                f"Attribute '{missing.name}' is not present in the rendering data.",
            ) from None
        body = parts.get("Text") or parts.get("Html") or ""
        rendered = (
            f"Subject: {parts.get('Subject', '')}\r\nMIME-Version: 1.0\r\n"
            f'Content-Type: text/plain; charset="UTF-8"\r\n\r\n{body}'
        )
        return {"RenderedTemplate": rendered}


def _data(text: str) -> dict[str, Any]:
    if len(text) > _DATA_LIMIT:
        raise SESError("BadRequestException", "TemplateData is longer than 262144 characters.")
    try:
        data = json.loads(text or "{}")
    except ValueError:
        raise SESError("BadRequestException", "TemplateData is not valid JSON.") from None
    if not isinstance(data, dict):
        raise SESError("BadRequestException", "TemplateData must be a JSON object.")
    return data


def _pairs(items: Any) -> dict[str, str]:
    return {str(item["Name"]): str(item["Value"]) for item in items or ()}


def _blob(value: Any) -> bytes:
    return value if isinstance(value, bytes) else base64.b64decode(value)


def _mime(
    sender: str,
    destination: dict[str, list[str]],
    parts: dict[str, str],
    headers: dict[str, str],
    attachments: list[dict[str, Any]],
    reply_to: list[str],
) -> bytes:
    message = EmailMessage()
    message["From"] = sender
    for key, header in (("ToAddresses", "To"), ("CcAddresses", "Cc")):
        if destination.get(key):
            message[header] = ", ".join(destination[key])
    if reply_to:
        message["Reply-To"] = ", ".join(reply_to)
    message["Subject"] = parts.get("Subject", "")
    message["Date"] = formatdate()
    message["Message-ID"] = make_msgid(domain="local-ses")
    for name, value in headers.items():
        del message[name]
        message[name] = value
    message.set_content(parts.get("Text") or "")
    if parts.get("Html"):
        message.add_alternative(parts["Html"], subtype="html")
    for attachment in attachments:
        maintype, _, subtype = str(
            attachment.get("ContentType", "application/octet-stream")
        ).partition("/")
        message.add_attachment(
            _blob(attachment["RawContent"]),
            maintype=maintype,
            subtype=subtype or "octet-stream",
            filename=attachment["FileName"],
        )
    return bytes(message)


def _deliver(
    account: SESAccount,
    call: Call,
    params: dict[str, Any],
    *,
    destination: dict[str, list[str]],
    template: dict[str, Any],
    data_text: str,
    headers: dict[str, str],
    tags: dict[str, str],
) -> str:
    templates = account.templates
    content = templates.content(template)
    data = _data(data_text)
    sender = str(params.get("FromEmailAddress") or "")
    addresses = [
        a
        for key in ("ToAddresses", "CcAddresses", "BccAddresses")
        for a in destination.get(key, [])
    ]
    try:
        parts = {key: render(text, data) for key, text in content.items()}
    except MissingVariable as missing:
        # SES accepts the call and renders later: a Rendering Failure, nothing delivered.
        with templates._lock:
            templates.rendering_failures.extend((a, missing.name) for a in addresses)
        return "rendering-failure-" + "-".join(addresses)
    attachments = [dict(a) for a in template.get("Attachments", ())]
    raw = _mime(
        sender, destination, parts, headers, attachments, list(params.get("ReplyToAddresses", ()))
    )
    message_id = account._accept(call, params, source=sender, destinations=addresses, raw=raw)
    with templates._lock:
        templates.rendered.append(
            Rendered(
                message_id=message_id,
                destination={k: list(v) for k, v in destination.items()},
                subject=parts.get("Subject", ""),
                text=parts.get("Text"),
                html=parts.get("Html"),
                headers=headers,
                tags=tags,
                attachments=[{**a, "RawContent": _blob(a["RawContent"])} for a in attachments],
                template=template.get("TemplateName") or template.get("TemplateArn"),
                operation=call.operation,
            )
        )
    return message_id


def send_templated(account: SESAccount, call: Call, params: dict[str, Any]) -> dict[str, Any]:
    """v2 ``SendEmail`` with ``Template`` content."""
    template = params["Content"]["Template"]
    message_id = _deliver(
        account,
        call,
        params,
        destination=params.get("Destination", {}),
        template=template,
        data_text=str(template.get("TemplateData", "{}")),
        headers=_pairs(template.get("Headers")),
        tags=_pairs(params.get("EmailTags")),
    )
    return {"MessageId": message_id}


def send_bulk(account: SESAccount, call: Call, params: dict[str, Any]) -> dict[str, Any]:
    """v2 ``SendBulkEmail``: one result per entry, in order."""
    template = params["DefaultContent"]["Template"]
    account.templates.content(template)  # a missing template fails the whole call
    entries = params["BulkEmailEntries"]
    if len(entries) > 50:
        raise SESError("BadRequestException", "BulkEmailEntries holds more than 50 entries.")
    results: list[dict[str, Any]] = []
    for entry in entries:
        destination = entry["Destination"]
        first = (destination.get("ToAddresses") or [""])[0]
        refusal = account.templates.rejected.get(first)
        if refusal is not None:
            results.append({"Status": refusal, "Error": f"{refusal} (local SES)"})
            continue
        replacement = entry.get("ReplacementEmailContent", {}).get("ReplacementTemplate", {})
        try:
            message_id = _deliver(
                account,
                call,
                params,
                destination=destination,
                template=template,
                data_text=str(
                    replacement.get("ReplacementTemplateData", template.get("TemplateData", "{}"))
                ),
                headers={
                    **_pairs(template.get("Headers")),
                    **_pairs(entry.get("ReplacementHeaders")),
                },
                tags=_pairs(entry.get("ReplacementTags") or params.get("DefaultEmailTags")),
            )
        except SESError as error:
            results.append({"Status": "MESSAGE_REJECTED", "Error": error.message})
            continue
        results.append({"Status": "SUCCESS", "MessageId": message_id})
    return {"BulkEmailEntryResults": results}
