"""What the local SES received: one :class:`Call` per HTTP request.

A request is identified as AWS identifies it: the service from the
signature's credential scope (SES v2 by its ``/v2/`` path), the operation
from the query protocol's ``Action``, the JSON protocol's ``X-Amz-Target``,
or, for REST services, the method and path matched against botocore's model.
"""

from __future__ import annotations

import json
import re
import time
import urllib.parse
from dataclasses import dataclass, field
from functools import cache
from typing import Any

import botocore.session

__all__ = ["DROP", "RESET", "Call", "Response", "identify"]

#: ``(status, headers, body)``, as a responder answers.
Response = tuple[int, dict[str, str], bytes]
#: Close the connection without answering, after the request was read.
DROP: Response = (-1, {}, b"")
#: Abort the connection with a TCP reset.
RESET: Response = (-2, {}, b"")

_CREDENTIAL_SCOPE = re.compile(r"Credential=[^/]+/\d{8}/([^/]+)/([^/]+)/aws4_request")
# SigV4a (SES global endpoints): no region in the scope; it is in X-Amz-Region-Set.
_SIGV4A_SCOPE = re.compile(r"Credential=[^/]+/\d{8}/([^/]+)/aws4_request")


@dataclass
class Call:
    """One request as the local SES received it."""

    method: str
    path: str
    query: dict[str, list[str]]
    headers: dict[str, str]
    body: bytes
    service: str  # "ses", "sesv2", "sns", "s3", … (sesv2 is told apart by its /v2/ path)
    region: str
    operation: str  # "SendRawEmail", "SendEmail", "GetAccount", … ("" when unknown)
    received_at: float  # time.monotonic() when the request arrived
    params: dict[str, Any] = field(default_factory=dict)
    raw_path: str = ""  # path and query, as received
    forward_headers: dict[str, str] = field(default_factory=dict, repr=False)

    @property
    def json(self) -> Any:
        return json.loads(self.body or b"{}")


@cache
def service_model(name: str) -> Any:
    """botocore's model of an AWS service (``ses``, ``sesv2``, ``sns``, ``s3``)."""
    return botocore.session.get_session().get_service_model(name)


@cache
def rest_operations(service_name: str) -> list[tuple[str, re.Pattern[str], str]]:
    """(method, path regex, operation name) for a REST service, from botocore's model."""
    model = service_model(service_name)
    table = []
    for name in model.operation_names:
        http = model.operation_model(name).http
        uri = http["requestUri"].split("?")[0]
        pattern = re.sub(r"\\\{[^}]+\\\}", "[^/]+", re.escape(uri))
        table.append((http["method"], re.compile(f"^{pattern}/?$"), name))
    # Literal paths before templated ones: /v2/email/account before /v2/email/{x}.
    table.sort(key=lambda row: (row[1].pattern.count("[^/]+"), -len(row[1].pattern)))
    return table


def identify(method: str, path: str, headers: dict[str, str], body: bytes) -> Call:
    """The :class:`Call` of one request; ``headers`` are lower-cased."""
    parsed = urllib.parse.urlsplit(path)
    query = urllib.parse.parse_qs(parsed.query, keep_blank_values=True)
    auth = headers.get("authorization", "")
    match = _CREDENTIAL_SCOPE.search(auth)
    region, service = (match.group(1), match.group(2)) if match else ("", "")
    sigv4a = None if match else _SIGV4A_SCOPE.search(auth)
    if sigv4a:
        region, service = headers.get("x-amz-region-set", ""), sigv4a.group(1)
    operation = ""
    params: dict[str, Any] = {}
    content_type = headers.get("content-type", "")
    if service == "ses" and parsed.path.startswith("/v2/"):
        service = "sesv2"
        for verb, pattern, name in rest_operations("sesv2"):
            if verb == method and pattern.match(parsed.path):
                operation = name
                break
        if body and "json" in content_type:
            params = _json_or_empty(body)
    elif "x-www-form-urlencoded" in content_type:
        form = urllib.parse.parse_qs(body.decode("utf-8", "replace"), keep_blank_values=True)
        params = {key: values[0] for key, values in form.items()}
        operation = params.get("Action", "")
    elif "x-amz-target" in headers:
        operation = headers["x-amz-target"].rsplit(".", 1)[-1]
        params = _json_or_empty(body)
    elif service == "s3":
        operation = _s3_operation(method, parsed.path, query, headers)
    return Call(
        method=method,
        path=parsed.path,
        query=query,
        headers=headers,
        body=body,
        service=service,
        region=region,
        operation=operation,
        received_at=time.monotonic(),
        params=params,
        raw_path=path,
    )


def _json_or_empty(body: bytes) -> dict[str, Any]:
    try:
        loaded = json.loads(body or b"{}")
    except ValueError:
        return {}
    return loaded if isinstance(loaded, dict) else {}


def _s3_operation(
    method: str, path: str, query: dict[str, list[str]], headers: dict[str, str]
) -> str:
    """S3 is REST-XML: name the common operations from method and (path-style) path."""
    if "x-id" in query:
        return query["x-id"][0]
    if set(query) - {"versionId", "partNumber"}:
        return ""  # a sub-resource (?acl, ?tagging, ?uploads…): not identified
    is_object = "/" in path.strip("/")
    if is_object:
        if method == "PUT" and "x-amz-copy-source" in headers:
            return "CopyObject"
        return {
            "GET": "GetObject",
            "HEAD": "HeadObject",
            "PUT": "PutObject",
            "DELETE": "DeleteObject",
        }.get(method, "")
    return {"PUT": "CreateBucket", "HEAD": "HeadBucket", "DELETE": "DeleteBucket"}.get(method, "")
