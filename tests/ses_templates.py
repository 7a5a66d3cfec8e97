"""SES v2 templates and SendBulkEmail on the local AWS, which moto's server does not answer.

:class:`LocalTemplates` installs responders (``tests.aws.LocalAWS.respond``)
for ``CreateEmailTemplate``, ``GetEmailTemplate``, ``UpdateEmailTemplate``,
``DeleteEmailTemplate``, ``ListEmailTemplates``, ``TestRenderEmailTemplate``,
templated ``SendEmail`` (raw ``SendEmail`` still goes to moto) and
``SendBulkEmail``. Requests are checked against botocore's model of SES v2;
``{{placeholders}}`` are rendered as SES renders them, and a placeholder
without data is a rendering failure: ``TestRenderEmailTemplate`` answers
``BadRequestException``, a send is accepted and recorded in
``rendering_failures`` (SES publishes a Rendering Failure event later).

Covered: names and ARNs, inline content, global and per-entry data, headers,
tags, attachments, per-entry refusals (``reject``). Not covered: Handlebars
blocks (``{{#if}}``, ``{{#each}}``), template tags, contact lists.
"""

from __future__ import annotations

import base64
import json
import re
import threading
import uuid
from dataclasses import dataclass, field
from typing import Any

import botocore.session
from botocore.model import Shape
from botocore.validate import ParamValidator

from tests.aws import ACCOUNT_ID, Call, LocalAWS, Response, error_response

_MODEL = botocore.session.get_session().get_service_model("sesv2")
_PLACEHOLDER = re.compile(r"{{\s*([A-Za-z0-9_.]+)\s*}}")
_JSON = {"Content-Type": "application/json"}


@dataclass
class Rendered:
    """One message the local SES rendered and accepted."""

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
class LocalTemplates:
    aws: LocalAWS
    templates: dict[str, dict[str, str]] = field(default_factory=dict)
    sent: list[Rendered] = field(default_factory=list)
    #: (destination, missing variable) of each send SES would report as a Rendering Failure.
    rendering_failures: list[tuple[str, str]] = field(default_factory=list)
    #: Destinations SendBulkEmail refuses, with the entry status it gives them.
    rejected: dict[str, str] = field(default_factory=dict)
    _lock: threading.Lock = field(default_factory=threading.Lock)

    def install(self) -> LocalTemplates:
        for operation, handler in (
            ("CreateEmailTemplate", self._create),
            ("GetEmailTemplate", self._get),
            ("UpdateEmailTemplate", self._update),
            ("DeleteEmailTemplate", self._delete),
            ("ListEmailTemplates", self._list),
            ("TestRenderEmailTemplate", self._test_render),
            ("SendEmail", self._send_email),
            ("SendBulkEmail", self._send_bulk),
        ):
            self.aws.respond("sesv2", operation, self._guarded(operation, handler))
        return self

    def reject(self, destination: str, status: str = "MESSAGE_REJECTED") -> None:
        """Make SendBulkEmail refuse ``destination`` with the entry ``status``."""
        self.rejected[destination] = status

    # -- plumbing ------------------------------------------------------------------
    def _guarded(self, operation: str, handler: Any) -> Any:
        shape = _MODEL.operation_model(operation).input_shape

        def respond(call: Call) -> Response:
            params = {**call.json, **_path_params(operation, call.path)}
            report = ParamValidator().validate(_from_wire(shape, params), shape)
            if report.has_errors():
                return error_response(call, "BadRequestException", report.generate_report())
            with self._lock:
                return handler(call, params)

        return respond

    # -- templates ------------------------------------------------------------------
    def _create(self, call: Call, params: dict[str, Any]) -> Response:
        name = params["TemplateName"]
        if name in self.templates:
            return error_response(call, "AlreadyExistsException", f"Template {name} exists")
        self.templates[name] = dict(params["TemplateContent"])
        return 200, _JSON, b"{}"

    def _get(self, call: Call, params: dict[str, Any]) -> Response:
        name = params["TemplateName"]
        if name not in self.templates:
            return _not_found(call, name)
        body = {"TemplateName": name, "TemplateContent": self.templates[name]}
        return 200, _JSON, json.dumps(body).encode()

    def _update(self, call: Call, params: dict[str, Any]) -> Response:
        name = params["TemplateName"]
        if name not in self.templates:
            return _not_found(call, name)
        self.templates[name] = dict(params["TemplateContent"])
        return 200, _JSON, b"{}"

    def _delete(self, call: Call, params: dict[str, Any]) -> Response:
        if self.templates.pop(params["TemplateName"], None) is None:
            return _not_found(call, params["TemplateName"])
        return 200, _JSON, b"{}"

    def _list(self, call: Call, params: dict[str, Any]) -> Response:
        size = int((call.query.get("PageSize") or ["10"])[0])
        start = int((call.query.get("NextToken") or ["0"])[0])
        names = sorted(self.templates)
        page = names[start : start + size]
        body: dict[str, Any] = {
            "TemplatesMetadata": [
                {"TemplateName": n, "CreatedTimestamp": 1_767_225_600} for n in page
            ]
        }
        if start + size < len(names):
            body["NextToken"] = str(start + size)
        return 200, _JSON, json.dumps(body).encode()

    def _test_render(self, call: Call, params: dict[str, Any]) -> Response:
        name = params["TemplateName"]
        if name not in self.templates:
            return _not_found(call, name)
        try:
            data = json.loads(params["TemplateData"])
            parts = {k: _render(v, data) for k, v in self.templates[name].items()}
        except _Missing as missing:
            return error_response(
                call,
                "BadRequestException",
                f"Attribute '{missing.name}' is not present in the rendering data.",
            )
        except ValueError:
            return error_response(call, "BadRequestException", "TemplateData is not JSON")
        rendered = (
            f"Subject: {parts.get('Subject', '')}\r\n"
            'Content-Type: text/plain; charset="utf-8"\r\n\r\n'
            f"{parts.get('Text') or parts.get('Html') or ''}"
        )
        return 200, _JSON, json.dumps({"RenderedTemplate": rendered}).encode()

    # -- sending ----------------------------------------------------------------------
    def _send_email(self, call: Call, params: dict[str, Any]) -> Response:
        template = params.get("Content", {}).get("Template")
        if template is None:  # raw or simple content: moto answers it
            return self.aws.forward(call)
        content = self._content(template)
        if content is None:
            return _not_found(call, template.get("TemplateName") or template.get("TemplateArn"))
        headers = _header_map(template.get("Headers"))
        tags = _tag_map(params.get("EmailTags"))
        message_id = self._accept(
            "SendEmail",
            params["Destination"],
            content,
            template,
            template["TemplateData"],
            headers,
            tags,
        )
        return 200, _JSON, json.dumps({"MessageId": message_id}).encode()

    def _send_bulk(self, call: Call, params: dict[str, Any]) -> Response:
        template = params["DefaultContent"]["Template"]
        content = self._content(template)
        if content is None:
            return _not_found(call, template.get("TemplateName") or template.get("TemplateArn"))
        results = []
        for entry in params["BulkEmailEntries"]:
            address = (entry["Destination"].get("ToAddresses") or [""])[0]
            if address in self.rejected:
                status = self.rejected[address]
                results.append({"Status": status, "Error": f"{status} (local SES)"})
                continue
            replacement = entry.get("ReplacementEmailContent", {}).get("ReplacementTemplate", {})
            data = replacement.get("ReplacementTemplateData", template.get("TemplateData", "{}"))
            headers = {
                **_header_map(template.get("Headers")),
                **_header_map(entry.get("ReplacementHeaders")),
            }
            tags = _tag_map(entry.get("ReplacementTags") or params.get("DefaultEmailTags"))
            message_id = self._accept(
                "SendBulkEmail", entry["Destination"], content, template, data, headers, tags
            )
            results.append({"Status": "SUCCESS", "MessageId": message_id})
        return 200, _JSON, json.dumps({"BulkEmailEntryResults": results}).encode()

    def _content(self, template: dict[str, Any]) -> dict[str, str] | None:
        if "TemplateContent" in template:
            return dict(template["TemplateContent"])
        name = template.get("TemplateName") or str(template.get("TemplateArn", "")).rsplit("/")[-1]
        return self.templates.get(name)

    def _accept(
        self,
        operation: str,
        destination: dict[str, list[str]],
        content: dict[str, str],
        template: dict[str, Any],
        data_json: str,
        headers: dict[str, str],
        tags: dict[str, str],
    ) -> str:
        message_id = f"0100{uuid.uuid4().hex}-local"
        data = json.loads(data_json or "{}")
        try:
            parts = {k: _render(v, data) for k, v in content.items()}
        except _Missing as missing:
            for address in destination.get("ToAddresses", []):
                self.rendering_failures.append((address, missing.name))
            return message_id
        self.sent.append(
            Rendered(
                message_id=message_id,
                destination={k: list(v) for k, v in destination.items()},
                subject=parts.get("Subject", ""),
                text=parts.get("Text"),
                html=parts.get("Html"),
                headers=headers,
                tags=tags,
                attachments=[
                    {**a, "RawContent": base64.b64decode(a["RawContent"])}
                    for a in template.get("Attachments", [])
                ],
                template=template.get("TemplateName") or template.get("TemplateArn"),
                operation=operation,
            )
        )
        return message_id


class _Missing(Exception):
    def __init__(self, name: str) -> None:
        super().__init__(name)
        self.name = name


def _render(text: str, data: dict[str, Any]) -> str:
    def value(match: re.Match[str]) -> str:
        current: Any = data
        for key in match.group(1).split("."):
            if not isinstance(current, dict) or key not in current:
                raise _Missing(match.group(1))
            current = current[key]
        return str(current)

    return _PLACEHOLDER.sub(value, text)


def _header_map(items: Any) -> dict[str, str]:
    return {h["Name"]: h["Value"] for h in items or ()}


def _tag_map(items: Any) -> dict[str, str]:
    return {t["Name"]: t["Value"] for t in items or ()}


def _not_found(call: Call, name: Any) -> Response:
    return error_response(call, "NotFoundException", f"Template {name} does not exist", 404)


def _path_params(operation: str, path: str) -> dict[str, str]:
    parts = path.rstrip("/").split("/")
    if operation in ("GetEmailTemplate", "UpdateEmailTemplate", "DeleteEmailTemplate"):
        return {"TemplateName": parts[-1]}
    if operation == "TestRenderEmailTemplate":
        return {"TemplateName": parts[-2]}
    return {}


def _from_wire(shape: Shape, value: Any) -> Any:
    """A REST-JSON request value as boto3 parameters: base64 blobs become bytes."""
    if shape.type_name == "structure" and isinstance(value, dict):
        members = shape.members  # type: ignore[attr-defined]
        return {k: _from_wire(members[k], v) if k in members else v for k, v in value.items()}
    if shape.type_name == "list" and isinstance(value, list):
        return [_from_wire(shape.member, v) for v in value]  # type: ignore[attr-defined]
    if shape.type_name == "blob" and isinstance(value, str):
        return base64.b64decode(value)
    return value


def template_arn(name: str, region: str = "us-east-1") -> str:
    return f"arn:aws:ses:{region}:{ACCOUNT_ID}:template/{name}"
