"""The local SES: moto's server behind a recording, fault-injecting front on 127.0.0.1.

boto3 talks HTTP to :attr:`LocalSES.url`. Each request is recorded
(:meth:`LocalSES.calls`), then answered, in this order, by:

1. a rule a test set (:meth:`~LocalSES.respond`, :meth:`~LocalSES.fail`,
   :meth:`~LocalSES.drop`, :meth:`~LocalSES.reset_connection`,
   :meth:`~LocalSES.slow`);
2. the local SES's own implementation (:mod:`django_ses.testing.ses`) of what
   moto lacks or gets wrong: sending, quotas, statistics, the suppression list;
3. moto, for everything else (identities, SNS, S3, receipt rules…).

Nothing patches boto3: the code under test only sees an endpoint URL.
"""

from __future__ import annotations

import http.client
import json
import logging
import socket
import struct
import sys
import threading
import time
from collections.abc import Callable
from dataclasses import dataclass
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from typing import Any

from moto.core import DEFAULT_ACCOUNT_ID  # type: ignore[attr-defined]
from moto.server import ThreadedMotoServer

from django_ses.testing import inbound
from django_ses.testing.calls import DROP, RESET, Call, Response, identify
from django_ses.testing.environment import environment
from django_ses.testing.ses import Quota, SentMessage, SESAccount
from django_ses.testing.wire import error_response

__all__ = ["ACCOUNT_ID", "REGION", "LocalSES"]

logger = logging.getLogger(__name__)

ACCOUNT_ID: str = DEFAULT_ACCOUNT_ID
REGION = "us-east-1"


class _FrontServer(ThreadingHTTPServer):
    """The front's HTTP server: a client that hangs up is not an error worth a traceback."""

    daemon_threads = True

    def handle_error(self, request: Any, client_address: Any) -> None:
        if isinstance(sys.exc_info()[1], ConnectionError):  # reset or broken pipe by the client
            logger.debug("local SES: client %s hung up", client_address)
            return
        super().handle_error(request, client_address)


_HOP_HEADERS = {"connection", "keep-alive", "transfer-encoding", "content-length", "server", "date"}


@dataclass
class _Rule:
    service: str
    operation: str
    responder: Callable[[Call], Response]
    times: int | None  # None: until cleared


class LocalSES:
    """SES v1, SES v2, SNS and S3 on 127.0.0.1, for tests and the example.

    ``quota`` is the account's sending quota (SES's sandbox one by default:
    1 recipient per second, 200 a day). ``port`` 0 picks a free port.
    """

    def __init__(self, *, port: int = 0, quota: Quota | None = None) -> None:
        self._port = port
        self._moto = ThreadedMotoServer(ip_address="127.0.0.1", port=0, verbose=False)
        self._lock = threading.Lock()
        self._calls: list[Call] = []
        self._rules: list[_Rule] = []
        self._front: _FrontServer | None = None
        self.ses = SESAccount(ACCOUNT_ID, quota or Quota())
        self.moto_url = ""
        self.url = ""

    # -- lifecycle ---------------------------------------------------------------------
    def start(self) -> str:
        """Start moto and the front; return the URL boto3 should use."""
        logging.getLogger("werkzeug").setLevel(logging.ERROR)
        self._moto.start()
        host, port = self._moto.get_host_and_port()
        self.moto_url = f"http://{host}:{port}"
        self._front = _FrontServer(("127.0.0.1", self._port), _make_handler(self))
        threading.Thread(target=self._front.serve_forever, daemon=True).start()
        self.url = f"http://127.0.0.1:{self._front.server_address[1]}"
        self.ses.start(self.url)
        return self.url

    def stop(self) -> None:
        self.ses.stop()
        if self._front is not None:
            self._front.shutdown()
            self._front.server_close()
        self._moto.stop()

    def __enter__(self) -> LocalSES:
        self.start()
        return self

    def __exit__(self, *exc_info: object) -> None:
        self.stop()

    def reset(self) -> None:
        """Forget calls, rules, sent mail and suppressions, and empty moto."""
        with self._lock:
            self._calls.clear()
            self._rules.clear()
        self.ses.reset()
        conn = http.client.HTTPConnection(*self._moto.get_host_and_port(), timeout=30)
        conn.request("POST", "/moto-api/reset")
        conn.getresponse().read()
        conn.close()

    # -- what arrived ------------------------------------------------------------------
    def calls(self, service: str | None = None, operation: str | None = None) -> list[Call]:
        """Every request received, oldest first, optionally of one service and operation."""
        with self._lock:
            return [
                c
                for c in self._calls
                if (service is None or c.service == service)
                and (operation is None or c.operation == operation)
            ]

    def environment(self) -> dict[str, str]:
        """Environment variables that point every boto3 client at this local SES."""
        return environment(self.url)

    def receive(self, raw_mime: bytes, *, recipient: str, region: str = REGION) -> str:
        """Receive mail as SES does, through the active receipt rule for ``recipient``."""
        return inbound.receive(self.url, raw_mime, recipient=recipient, region=region)

    def sent_messages(self, region: str | None = REGION) -> list[SentMessage]:
        """The messages SES accepted, oldest first (``region=None``: every region)."""
        return self.ses.sent(region)

    # -- steering ----------------------------------------------------------------------
    def respond(
        self,
        service: str,
        operation: str,
        responder: Callable[[Call], Response],
        times: int | None = None,
    ) -> None:
        """Answer ``operation`` with ``responder(call)``, before anything else."""
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
        """Make ``operation`` fail with an AWS error (a 5xx with ``status=500``…).

        Every call fails until :meth:`reset`; ``times`` fails only the first ones.
        """
        self.respond(
            service, operation, lambda call: error_response(call, code, message, status), times
        )

    def drop(self, service: str, operation: str, times: int | None = None) -> None:
        """Close the connection without an answer, after reading the request.

        SES never sees the request, but the client cannot know that.
        """
        self.respond(service, operation, lambda call: DROP, times)

    def reset_connection(self, service: str, operation: str, times: int | None = None) -> None:
        """Abort the connection with a TCP reset; the request is never processed."""
        self.respond(service, operation, lambda call: RESET, times)

    def slow(self, service: str, operation: str, seconds: float, times: int | None = None) -> None:
        """Process the request; answer ``seconds`` later.

        With a client ``read_timeout`` below ``seconds``, SES accepted the
        message but the client never learns it.
        """

        def late(call: Call) -> Response:
            answer = self._answer(call)
            time.sleep(seconds)
            return answer

        self.respond(service, operation, late, times)

    def forward(self, call: Call) -> Response:
        """What the local SES answers to ``call`` without rules: for a ``respond()``
        rule that lets some calls through."""
        return self._answer(call)

    # -- internals ---------------------------------------------------------------------
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

    def _answer(self, call: Call) -> Response:
        """The local SES's own answer, or moto's."""
        own = self.ses.answer(call)
        if own is not None:
            return own
        return self._forward(call.method, call.raw_path, call.forward_headers, call.body)

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


def _make_handler(local: LocalSES) -> type[BaseHTTPRequestHandler]:
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
            call = identify(self.command, self.path, headers, body)
            call.forward_headers = {
                k: v for k, v in self.headers.items() if k.lower() != "connection"
            }
            rule = local._take_rule(call)
            try:
                answer = rule.responder(call) if rule is not None else local._answer(call)
            except Exception as exc:
                logger.exception("local SES: %s %s failed", call.service, call.operation)
                answer = error_response(call, "InternalFailure", repr(exc), 500)
            self._write(*answer)

        def _write(self, status: int, headers: dict[str, str], data: bytes) -> None:
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
            for key, value in headers.items():
                self.send_header(key, value)
            if "content-length" not in {key.lower() for key in headers}:
                self.send_header("Content-Length", str(len(data)))
            self.end_headers()
            if self.command != "HEAD":
                self.wfile.write(data)

        do_GET = do_POST = do_PUT = do_DELETE = do_HEAD = do_PATCH = _handle

    return Handler
