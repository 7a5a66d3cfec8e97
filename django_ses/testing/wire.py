"""The SES wire protocols, read and written against botocore's service model.

The local SES's own operations take their input and give their output as
plain dicts, shaped as boto3 shows them. This module turns a request into that
input (v1's query protocol, v2's REST-JSON), and the output back into the
service's wire format. Both directions walk the operation's shapes in
botocore's model: a member the model does not know is a bug of the local SES
and raises :class:`WireError`; a required input member that is missing
answers the ``ValidationError`` SES answers.
"""

from __future__ import annotations

import base64
import datetime as dt
import json
import urllib.parse
import uuid
from typing import Any
from xml.sax.saxutils import escape

from django_ses.testing.calls import Call, Response, service_model

__all__ = ["SESError", "WireError", "error_response", "read_input", "write_output"]

_QUERY_NAMESPACE = "http://ses.amazonaws.com/doc/2010-12-01/"


class WireError(Exception):
    """The local SES built an answer its service model does not allow."""


class SESError(Exception):
    """An SES error answer: its code, message and HTTP status (a bad input's 400…)."""

    def __init__(self, code: str, message: str, status: int = 400) -> None:
        super().__init__(message)
        self.code, self.message, self.status = code, message, status


def error_response(call: Call, code: str, message: str, status: int = 400) -> Response:
    """An AWS error for ``call``'s service, in that service's wire protocol."""
    request_id = str(uuid.uuid4())
    if call.service == "sesv2":
        body = json.dumps({"message": message}).encode()
        headers = {
            "Content-Type": "application/json",
            "x-amzn-ErrorType": code,
            "x-amzn-RequestId": request_id,
        }
        return status, headers, body
    if "x-amz-target" in call.headers:  # the JSON protocols (SQS, …)
        body = json.dumps({"__type": code, "message": message}).encode()
        headers = {"Content-Type": "application/x-amz-json-1.0", "x-amzn-RequestId": request_id}
        return status, headers, body
    if call.service == "s3":
        xml = (
            f'<?xml version="1.0" encoding="UTF-8"?><Error><Code>{escape(code)}</Code>'
            f"<Message>{escape(message)}</Message><RequestId>{request_id}</RequestId></Error>"
        )
        return (
            status,
            {"Content-Type": "application/xml", "x-amz-request-id": request_id},
            (xml.encode()),
        )
    kind = "Receiver" if status >= 500 else "Sender"
    xml = (
        f"<ErrorResponse><Error><Type>{kind}</Type><Code>{escape(code)}</Code>"
        f"<Message>{escape(message)}</Message></Error>"
        f"<RequestId>{request_id}</RequestId></ErrorResponse>"
    )
    return status, {"Content-Type": "text/xml", "x-amzn-RequestId": request_id}, xml.encode()


# -- input -------------------------------------------------------------------------------


def read_input(call: Call) -> dict[str, Any]:
    """The operation's input as boto3 takes it, read from the wire and checked."""
    operation = service_model("sesv2" if call.service == "sesv2" else call.service)
    shape = operation.operation_model(call.operation).input_shape
    if shape is None:
        return {}
    if call.service == "sesv2":
        value = _rest_json_input(call, shape)
    else:
        value = _unflatten(shape, call.params, "")
    _check_required(shape, value, "")
    return value if isinstance(value, dict) else {}


def _rest_json_input(call: Call, shape: Any) -> dict[str, Any]:
    value: dict[str, Any] = dict(call.json) if call.body else {}
    uri = shape_uri(call)
    labels = _path_labels(uri, call.path)
    for name, member in shape.members.items():
        location = member.serialization.get("location")
        wire_name = member.serialization.get("name", name)
        if location == "uri" and wire_name in labels:
            value[name] = labels[wire_name]
        elif location == "querystring" and wire_name in call.query:
            found = call.query[wire_name]
            if member.type_name == "list":
                value[name] = found
            elif member.type_name == "integer":
                value[name] = int(found[0])
            else:
                value[name] = found[0]
    return value


def shape_uri(call: Call) -> str:
    model = service_model("sesv2").operation_model(call.operation)
    return str(model.http["requestUri"].split("?")[0])


def _path_labels(uri: str, path: str) -> dict[str, str]:
    labels = {}
    for template, actual in zip(
        uri.strip("/").split("/"), path.strip("/").split("/"), strict=False
    ):
        if template.startswith("{") and template.endswith("}"):
            labels[template.strip("{}+")] = urllib.parse.unquote(actual)
    return labels


def _unflatten(shape: Any, flat: dict[str, str], prefix: str) -> Any:
    """Query-protocol parameters (``Destinations.member.1``) to nested values."""
    kind = shape.type_name
    if kind == "structure":
        out = {}
        for name, member in shape.members.items():
            key = f"{prefix}.{name}" if prefix else name
            if key in flat or any(k.startswith(key + ".") for k in flat):
                out[name] = _unflatten(member, flat, key)
        return out
    if kind == "list":
        items, index = [], 1
        while any(
            k == f"{prefix}.member.{index}" or k.startswith(f"{prefix}.member.{index}.")
            for k in flat
        ):
            items.append(_unflatten(shape.member, flat, f"{prefix}.member.{index}"))
            index += 1
        return items
    if kind == "map":
        mapping, index = {}, 1
        while f"{prefix}.entry.{index}.key" in flat:
            entry = f"{prefix}.entry.{index}"
            mapping[flat[entry + ".key"]] = _unflatten(shape.value, flat, entry + ".value")
            index += 1
        return mapping
    raw = flat.get(prefix, "")
    if kind == "blob":
        return base64.b64decode(raw)
    if kind == "boolean":
        return raw == "true"
    if kind in ("integer", "long"):
        return int(raw)
    if kind in ("double", "float"):
        return float(raw)
    return raw


def _check_required(shape: Any, value: Any, where: str) -> None:
    if shape.type_name == "structure" and isinstance(value, dict):
        for name in shape.required_members:
            if name not in value:
                raise SESError(
                    "ValidationError",
                    f"1 validation error detected: Value null at '{_path(where, name)}' "
                    "failed to satisfy constraint: Member must not be null",
                )
        for name, member in shape.members.items():
            if name in value:
                _check_required(member, value[name], _path(where, name))
    elif shape.type_name == "list" and isinstance(value, list):
        for item in value:
            _check_required(shape.member, item, where)


def _path(where: str, name: str) -> str:
    """SES's name of a member in messages: ``rawMessage``, ``destination.toAddresses``."""
    camel = name[:1].lower() + name[1:]
    return f"{where}.{camel}" if where else camel


# -- output ------------------------------------------------------------------------------


def write_output(call: Call, output: dict[str, Any]) -> Response:
    """``output`` in the wire format of ``call``'s service; checked against the model."""
    model = service_model(call.service).operation_model(call.operation)
    shape = model.output_shape
    request_id = str(uuid.uuid4())
    if call.service == "sesv2":
        body = _to_json(shape, output, call.operation) if shape is not None else {}
        headers = {"Content-Type": "application/json", "x-amzn-RequestId": request_id}
        return 200, headers, json.dumps(body).encode()
    result = _to_xml(shape, output, call.operation) if shape is not None else ""
    name = call.operation
    xml = (
        f'<{name}Response xmlns="{_QUERY_NAMESPACE}"><{name}Result>{result}</{name}Result>'
        f"<ResponseMetadata><RequestId>{request_id}</RequestId></ResponseMetadata>"
        f"</{name}Response>"
    )
    return 200, {"Content-Type": "text/xml", "x-amzn-RequestId": request_id}, xml.encode()


def _members(shape: Any, value: Any, where: str) -> dict[str, Any]:
    if not isinstance(value, dict):
        raise WireError(f"{where}: a structure, not {type(value).__name__}")
    unknown = set(value) - set(shape.members)
    if unknown:
        raise WireError(f"{where}: {sorted(unknown)} are not members of {shape.name}")
    missing = [name for name in shape.required_members if value.get(name) is None]
    if missing:
        raise WireError(f"{where}: required members {missing} of {shape.name} are missing")
    return {name: v for name, v in value.items() if v is not None}


def _to_json(shape: Any, value: Any, where: str) -> Any:
    kind = shape.type_name
    if kind == "structure":
        members = _members(shape, value, where)
        return {n: _to_json(shape.members[n], v, f"{where}.{n}") for n, v in members.items()}
    if kind == "list":
        return [_to_json(shape.member, item, where) for item in value]
    if kind == "map":
        return {k: _to_json(shape.value, v, where) for k, v in value.items()}
    return _scalar(kind, value, where, json_timestamps=True)


def _to_xml(shape: Any, value: Any, where: str) -> str:
    kind = shape.type_name
    if kind == "structure":
        members = _members(shape, value, where)
        return "".join(
            f"<{n}>{_to_xml(shape.members[n], v, f'{where}.{n}')}</{n}>" for n, v in members.items()
        )
    if kind == "list":
        return "".join(f"<member>{_to_xml(shape.member, item, where)}</member>" for item in value)
    if kind == "map":
        return "".join(
            f"<entry><key>{escape(str(k))}</key><value>{_to_xml(shape.value, v, where)}</value>"
            "</entry>"
            for k, v in value.items()
        )
    scalar = _scalar(kind, value, where, json_timestamps=False)
    if isinstance(scalar, bool):
        return "true" if scalar else "false"
    return escape(str(scalar))


def _scalar(kind: str, value: Any, where: str, *, json_timestamps: bool) -> Any:
    if kind == "timestamp":
        if not isinstance(value, dt.datetime):
            raise WireError(f"{where}: a datetime, not {value!r}")
        if json_timestamps:
            return value.timestamp()
        return value.astimezone(dt.timezone.utc).strftime("%Y-%m-%dT%H:%M:%S.%fZ")
    if kind == "boolean":
        if not isinstance(value, bool):
            raise WireError(f"{where}: a boolean, not {value!r}")
        return value
    if kind in ("integer", "long"):
        if not isinstance(value, int) or isinstance(value, bool):
            raise WireError(f"{where}: an integer, not {value!r}")
        return value
    if kind in ("double", "float"):
        if not isinstance(value, (int, float)) or isinstance(value, bool):
            raise WireError(f"{where}: a number, not {value!r}")
        return float(value)
    if kind == "blob":
        return base64.b64encode(value).decode("ascii")
    if not isinstance(value, str):
        raise WireError(f"{where}: a string, not {value!r}")
    return value
