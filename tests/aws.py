"""A real local AWS for the test suite.

``LocalAWS`` starts moto's ``ThreadedMotoServer`` on 127.0.0.1 (a free port) and
puts a small recording proxy in front of it. boto3 talks HTTP to the proxy,
which forwards every request to moto unchanged, so moto does the real work, and
the proxy:

* records each request as it arrived on the wire (``calls(...)``), with the
  server-side arrival time, so tests can assert on API parameters that moto does
  not keep (``ConfigurationSetName``, ``Tags``, ARNs, ``EndpointId``…) and on
  timing measured at the server;
* can answer an operation itself (``respond(...)``) for the APIs moto's server
  lacks (SES v2 ``GetAccount``, the suppression list…), speaking the real wire
  protocol of that service;
* can inject AWS errors (``fail(...)``), connections closed after the request
  was read (``drop(...)``), connections reset before it reached moto
  (``reset_connection(...)``) and answers slower than the client's read timeout
  (``slow(...)``: moto accepts the request, the answer comes late).

Nothing here patches boto3 or django_ses: the package under test only sees an
endpoint URL.
"""

from __future__ import annotations

import http.client
import json
import re
import socket
import struct
import threading
import time
import urllib.parse
import uuid
from collections.abc import Callable
from dataclasses import dataclass, field
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from typing import Any

import botocore.session
from moto.core import DEFAULT_ACCOUNT_ID
from moto.server import ThreadedMotoServer

ACCOUNT_ID = DEFAULT_ACCOUNT_ID

_CREDENTIAL_SCOPE = re.compile(r"Credential=[^/]+/\d{8}/([^/]+)/([^/]+)/aws4_request")
# SigV4a (SES global endpoints): no region in the scope; it is in X-Amz-Region-Set.
_SIGV4A_SCOPE = re.compile(r"Credential=[^/]+/\d{8}/([^/]+)/aws4_request")


@dataclass
class Call:
    """One request as the local AWS received it."""

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


Response = tuple[int, dict[str, str], bytes]
DROP = (-1, {}, b"")  # close the connection without answering
RESET = (-2, {}, b"")  # abort the connection with a TCP reset


@dataclass
class _Rule:
    service: str
    operation: str
    responder: Callable[[Call], Response]
    times: int | None  # None: until cleared


def _rest_operation_table(service_name: str) -> list[tuple[str, re.Pattern[str], str]]:
    """(method, path regex, operation name) for a REST service, from botocore's model."""
    model = botocore.session.get_session().get_service_model(service_name)
    table = []
    for name in model.operation_names:
        http = model.operation_model(name).http
        uri = http["requestUri"].split("?")[0]
        pattern = re.sub(r"\\\{[^}]+\\\}", "[^/]+", re.escape(uri))
        table.append((http["method"], re.compile(f"^{pattern}/?$"), name))
    # Literal paths before templated ones: /v2/email/account before /v2/email/{x}.
    table.sort(key=lambda row: (row[1].pattern.count("[^/]+"), -len(row[1].pattern)))
    return table


class LocalAWS:
    """moto behind a recording, error-injecting proxy, on 127.0.0.1."""

    def __init__(self) -> None:
        self._moto = ThreadedMotoServer(ip_address="127.0.0.1", port=0, verbose=False)
        self._lock = threading.Lock()
        self._calls: list[Call] = []
        self._rules: list[_Rule] = []
        self._sesv2_ops = _rest_operation_table("sesv2")
        self._proxy: ThreadingHTTPServer | None = None
        self.moto_url = ""
        self.url = ""

    # -- lifecycle -----------------------------------------------------------------
    def start(self) -> None:
        self._moto.start()
        host, port = self._moto.get_host_and_port()
        self.moto_url = f"http://{host}:{port}"
        handler = _make_handler(self)
        self._proxy = ThreadingHTTPServer(("127.0.0.1", 0), handler)
        self._proxy.daemon_threads = True
        threading.Thread(target=self._proxy.serve_forever, daemon=True).start()
        self.url = f"http://127.0.0.1:{self._proxy.server_address[1]}"

    def stop(self) -> None:
        if self._proxy is not None:
            self._proxy.shutdown()
            self._proxy.server_close()
        self._moto.stop()

    def reset(self) -> None:
        """Forget calls and rules, and empty moto (all services, all regions)."""
        with self._lock:
            self._calls.clear()
            self._rules.clear()
        conn = http.client.HTTPConnection(*self._moto.get_host_and_port(), timeout=30)
        conn.request("POST", "/moto-api/reset")
        conn.getresponse().read()
        conn.close()

    # -- what arrived ----------------------------------------------------------------
    def calls(self, service: str | None = None, operation: str | None = None) -> list[Call]:
        with self._lock:
            return [
                c
                for c in self._calls
                if (service is None or c.service == service)
                and (operation is None or c.operation == operation)
            ]

    def sent_messages(self, region: str = "us-east-1") -> list[Any]:
        """The messages moto's SES accepted (``.raw_data``, ``.destinations``, ``.source``)."""
        from moto.ses.models import ses_backends

        return list(ses_backends[ACCOUNT_ID][region].sent_messages)

    # -- steering --------------------------------------------------------------------
    def respond(
        self,
        service: str,
        operation: str,
        responder: Callable[[Call], Response],
        times: int | None = None,
    ) -> None:
        """Answer ``operation`` with ``responder(call)`` instead of moto."""
        with self._lock:
            self._rules.append(_Rule(service, operation, responder, times))

    def respond_json(
        self, service: str, operation: str, body: Any, status: int = 200, times: int | None = None
    ) -> None:
        payload = json.dumps(body).encode()
        self.respond(
            service,
            operation,
            lambda call: (status, {"Content-Type": "application/json"}, payload),
            times,
        )

    def fail(
        self,
        service: str,
        operation: str,
        code: str,
        message: str = "injected failure",
        status: int = 400,
        times: int | None = None,
    ) -> None:
        """Make ``operation`` fail with an AWS error in the service's wire protocol.

        By default every call fails until the next test (botocore retries some
        errors, such as throttling, by itself); pass ``times`` to fail only the
        first ``times`` calls.
        """
        self.respond(
            service, operation, lambda call: error_response(call, code, message, status), times
        )

    def drop(self, service: str, operation: str, times: int | None = None) -> None:
        """Close the connection without an answer, after reading the request.

        moto never sees the request, but the client cannot know that: to it,
        the request was written and may have been processed.
        """
        self.respond(service, operation, lambda call: DROP, times)

    def reset_connection(self, service: str, operation: str, times: int | None = None) -> None:
        """Abort the connection with a TCP reset; the request never reaches moto."""
        self.respond(service, operation, lambda call: RESET, times)

    def slow(self, service: str, operation: str, seconds: float, times: int | None = None) -> None:
        """moto processes the request; its answer is sent ``seconds`` later.

        With a client ``read_timeout`` below ``seconds``, SES accepted the message
        but the client never learns it.
        """

        def late(call: Call) -> Response:
            answer = self._forward(call.method, call.raw_path, call.forward_headers, call.body)
            time.sleep(seconds)
            return answer

        self.respond(service, operation, late, times)

    def forward(self, call: Call) -> Response:
        """What moto answers to ``call``: for a ``respond()`` rule that lets some calls through."""
        return self._forward(call.method, call.raw_path, call.forward_headers, call.body)

    # -- internals -------------------------------------------------------------------
    def _identify(self, method: str, path: str, headers: dict[str, str], body: bytes) -> Call:
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
            for verb, pattern, name in self._sesv2_ops:
                if verb == method and pattern.match(parsed.path):
                    operation = name
                    break
            if body and "json" in content_type:
                try:
                    params = json.loads(body)
                except ValueError:
                    params = {}
        elif "x-www-form-urlencoded" in content_type:
            form = urllib.parse.parse_qs(body.decode("utf-8", "replace"), keep_blank_values=True)
            params = {key: values[0] for key, values in form.items()}
            operation = params.get("Action", "")
        elif "x-amz-target" in headers:
            operation = headers["x-amz-target"].rsplit(".", 1)[-1]
            try:
                params = json.loads(body or b"{}")
            except ValueError:
                params = {}
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

    def _take_rule(self, call: Call) -> _Rule | None:
        with self._lock:
            self._calls.append(call)
            for rule in self._rules:
                if rule.service == call.service and rule.operation == call.operation:
                    if rule.times is not None:
                        rule.times -= 1
                        if rule.times <= 0:
                            self._rules.remove(rule)
                    return rule
        return None

    def _forward(self, method: str, path: str, headers: dict[str, str], body: bytes) -> Response:
        host, port = self._moto.get_host_and_port()
        conn = http.client.HTTPConnection(host, port, timeout=60)
        try:
            conn.request(method, path, body=body or None, headers=headers)
            resp = conn.getresponse()
            data = resp.read()
            out = {k: v for k, v in resp.getheaders() if k.lower() not in _HOP_HEADERS}
            if method == "HEAD" and resp.getheader("Content-Length"):
                # A HEAD answer has no body: keep the size it announces (S3 HeadObject).
                out["Content-Length"] = resp.getheader("Content-Length", "0")
            return resp.status, out, data
        finally:
            conn.close()


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


_HOP_HEADERS = {"connection", "keep-alive", "transfer-encoding", "content-length", "server", "date"}


def error_response(call: Call, code: str, message: str, status: int = 400) -> Response:
    """An AWS error for ``call``'s service, in that service's wire protocol."""
    request_id = str(uuid.uuid4())
    if call.service == "sesv2":
        body = json.dumps({"message": message}).encode()
        return (
            status,
            {
                "Content-Type": "application/json",
                "x-amzn-ErrorType": code,
                "x-amzn-RequestId": request_id,
            },
            body,
        )
    if call.service == "s3":
        xml = (
            f'<?xml version="1.0" encoding="UTF-8"?><Error><Code>{code}</Code>'
            f"<Message>{message}</Message><RequestId>{request_id}</RequestId></Error>"
        )
        return (
            status,
            {"Content-Type": "application/xml", "x-amz-request-id": request_id},
            xml.encode(),
        )
    kind = "Receiver" if status >= 500 else "Sender"
    xml = (
        f"<ErrorResponse><Error><Type>{kind}</Type><Code>{code}</Code>"
        f"<Message>{message}</Message></Error><RequestId>{request_id}</RequestId></ErrorResponse>"
    )
    return status, {"Content-Type": "text/xml", "x-amzn-RequestId": request_id}, xml.encode()


def _make_handler(aws: LocalAWS) -> type[BaseHTTPRequestHandler]:
    class Handler(BaseHTTPRequestHandler):
        protocol_version = "HTTP/1.1"

        def log_message(self, format: str, *args: Any) -> None:
            pass

        def setup(self) -> None:
            super().setup()
            # Headers and body go out in two writes: without this, Nagle's algorithm and
            # the client's delayed ACK hold every answer back for ~40 ms.
            self.connection.setsockopt(socket.IPPROTO_TCP, socket.TCP_NODELAY, 1)

        def _handle(self) -> None:
            length = int(self.headers.get("Content-Length") or 0)
            body = self.rfile.read(length) if length else b""
            headers = {k.lower(): v for k, v in self.headers.items()}
            call = aws._identify(self.command, self.path, headers, body)
            fwd_headers = {k: v for k, v in self.headers.items() if k.lower() != "connection"}
            call.forward_headers = fwd_headers
            rule = aws._take_rule(call)
            if rule is not None:
                status, out_headers, data = rule.responder(call)
            else:
                status, out_headers, data = aws._forward(self.command, self.path, fwd_headers, body)
            if status == DROP[0]:
                self.close_connection = True
                return
            if status == RESET[0]:
                # SO_LINGER 0: close() sends a reset, not a FIN.
                self.connection.setsockopt(
                    socket.SOL_SOCKET, socket.SO_LINGER, struct.pack("ii", 1, 0)
                )
                self.connection.close()
                self.close_connection = True
                return
            self.send_response(status)
            for key, value in out_headers.items():
                self.send_header(key, value)
            if "content-length" not in {key.lower() for key in out_headers}:
                self.send_header("Content-Length", str(len(data)))
            self.end_headers()
            if self.command != "HEAD":
                self.wfile.write(data)

        do_GET = do_POST = do_PUT = do_DELETE = do_HEAD = do_PATCH = _handle

    return Handler
