"""A local SES-compatible stub for the benchmarks: latency, a send rate, throttling, counts.

    stub = SESStub(latency=0.05, max_send_rate=200)
    stub.start()            # http://127.0.0.1:<port>, stub.url
    ...
    stub.stats()            # accepted calls and recipients, throttling answers, arrivals
    stub.reset(latency=0, max_send_rate=14)
    stub.stop()

It speaks the two wire protocols botocore uses for SES: API v1's query/XML
(``SendRawEmail``, ``SendEmail``, ``GetSendQuota``, ``VerifyDomainIdentity``…)
and API v2's REST-JSON (``SendEmail`` at ``/v2/email/outbound-emails``,
``GetAccount`` at ``/v2/email/account``). Any sender is accepted. moto cannot
stand in for it here: it has no latency, no rate and no throttling.

* **Latency**: every answer leaves ``latency`` seconds after its request
  arrived (requests are served on threads, so they overlap as at SES).
* **Rate**: ``MaxSendRate`` (reported by ``GetSendQuota`` and ``GetAccount``)
  is enforced as SES does: a send whose recipients, added to those accepted in
  the one-second window before it arrived, would exceed ``max_send_rate`` gets
  a ``Throttling`` answer ("Maximum sending rate exceeded.") and counts as a
  throttling answer, not as a send.
* ``POST /_stub/reset`` forgets the counts (a worker calls it after warming up).
* **Counts**: accepted calls, accepted recipients (``Destinations``, or the
  MIME's To/Cc/Bcc when a call has none), throttling answers, and the arrival
  time (``time.monotonic()``) and recipients of each accepted call, for the
  caller to compute the rate and the busiest window.

Standard library only; used by ``bench/throughput.py``.
"""

from __future__ import annotations

import base64
import collections
import email
import email.policy
import json
import threading
import time
import urllib.parse
import uuid
from email.utils import getaddresses
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from typing import Any

_V1_NS = "http://ses.amazonaws.com/doc/2010-12-01/"


class SESStub:
    """The stub server; thread-safe counters."""

    def __init__(self, *, latency: float = 0.0, max_send_rate: float = 14.0) -> None:
        self.latency = latency
        self.max_send_rate = max_send_rate
        self._lock = threading.Lock()
        self._window: collections.deque[tuple[float, int]] = collections.deque()
        self._arrivals: list[tuple[float, int]] = []
        self._throttled = 0
        self._server: ThreadingHTTPServer | None = None
        self.url = ""

    # -- lifecycle -----------------------------------------------------------------
    def start(self) -> None:
        self._server = ThreadingHTTPServer(("127.0.0.1", 0), _make_handler(self))
        self._server.daemon_threads = True
        self._server.request_queue_size = 128
        threading.Thread(target=self._server.serve_forever, daemon=True).start()
        self.url = f"http://127.0.0.1:{self._server.server_address[1]}"

    def stop(self) -> None:
        if self._server is not None:
            self._server.shutdown()
            self._server.server_close()

    def reset(self, *, latency: float | None = None, max_send_rate: float | None = None) -> None:
        with self._lock:
            if latency is not None:
                self.latency = latency
            if max_send_rate is not None:
                self.max_send_rate = max_send_rate
            self._window.clear()
            self._arrivals.clear()
            self._throttled = 0

    def stats(self) -> dict[str, Any]:
        with self._lock:
            arrivals = list(self._arrivals)
            throttled = self._throttled
        return {
            "accepted_calls": len(arrivals),
            "accepted_recipients": sum(n for _, n in arrivals),
            "throttled": throttled,
            "arrivals": arrivals,
        }

    # -- the rate --------------------------------------------------------------------
    def admit(self, recipients: int) -> bool:
        """Record a send arriving now; False (a throttling answer) when over the rate."""
        now = time.monotonic()
        with self._lock:
            while self._window and self._window[0][0] <= now - 1.0:
                self._window.popleft()
            if sum(n for _, n in self._window) + recipients > self.max_send_rate + 1e-9:
                self._throttled += 1
                return False
            self._window.append((now, recipients))
            self._arrivals.append((now, recipients))
            return True


def _mime_recipients(raw: bytes) -> int:
    parsed = email.message_from_bytes(raw, policy=email.policy.compat32)
    fields = [v for key in ("To", "Cc", "Bcc") for v in parsed.get_all(key, [])]
    return len({addr.lower() for _, addr in getaddresses(fields) if addr})


def _v1_xml(action: str, result: str) -> bytes:
    return (
        f'<{action}Response xmlns="{_V1_NS}"><{action}Result>{result}</{action}Result>'
        f"<ResponseMetadata><RequestId>{uuid.uuid4()}</RequestId></ResponseMetadata>"
        f"</{action}Response>"
    ).encode()


def _make_handler(stub: SESStub) -> type[BaseHTTPRequestHandler]:
    class Handler(BaseHTTPRequestHandler):
        protocol_version = "HTTP/1.1"
        disable_nagle_algorithm = True  # no 40 ms delayed-ACK stall between header and body

        def log_message(self, format: str, *args: Any) -> None:
            pass

        def _answer(
            self, status: int, content_type: str, body: bytes, headers: dict[str, str] | None = None
        ) -> None:
            self.send_response(status)
            self.send_header("Content-Type", content_type)
            self.send_header("Content-Length", str(len(body)))
            self.send_header("x-amzn-RequestId", str(uuid.uuid4()))
            for key, value in (headers or {}).items():
                self.send_header(key, value)
            self.end_headers()
            self.wfile.write(body)

        def _handle(self) -> None:
            arrived = time.monotonic()
            length = int(self.headers.get("Content-Length") or 0)
            body = self.rfile.read(length) if length else b""
            path = urllib.parse.urlsplit(self.path).path
            if path == "/_stub/reset":  # the benchmark's worker, after its warm-up
                stub.reset()
                self._answer(200, "application/json", b"{}")
                return
            answer: tuple[Any, ...] = (
                self._v2(path, body) if path.startswith("/v2/") else self._v1(body)
            )
            delay = stub.latency - (time.monotonic() - arrived)
            if delay > 0:
                time.sleep(delay)
            self._answer(*answer)

        def _v1(self, body: bytes) -> tuple[int, str, bytes]:
            form = urllib.parse.parse_qs(body.decode("utf-8", "replace"), keep_blank_values=True)
            params = {key: values[0] for key, values in form.items()}
            action = params.get("Action", "")
            if action in ("SendRawEmail", "SendEmail"):
                count = sum(1 for key in params if ".member." in key and "Destination" in key)
                if not count and "RawMessage.Data" in params:
                    count = _mime_recipients(base64.b64decode(params["RawMessage.Data"]))
                if not stub.admit(max(count, 1)):
                    return self._v1_error("Throttling", "Maximum sending rate exceeded.")
                return 200, "text/xml", _v1_xml(action, f"<MessageId>{uuid.uuid4()}</MessageId>")
            if action == "GetSendQuota":
                quota = (
                    "<SentLast24Hours>0.0</SentLast24Hours><Max24HourSend>1000000.0"
                    f"</Max24HourSend><MaxSendRate>{stub.max_send_rate}</MaxSendRate>"
                )
                return 200, "text/xml", _v1_xml(action, quota)
            return 200, "text/xml", _v1_xml(action or "Unknown", "")

        def _v1_error(self, code: str, message: str) -> tuple[int, str, bytes]:
            xml = (
                f"<ErrorResponse><Error><Type>Sender</Type><Code>{code}</Code>"
                f"<Message>{message}</Message></Error><RequestId>{uuid.uuid4()}</RequestId>"
                "</ErrorResponse>"
            )
            return 400, "text/xml", xml.encode()

        def _v2(self, path: str, body: bytes) -> tuple[Any, ...]:
            if path.rstrip("/") == "/v2/email/account":
                account = {
                    "EnforcementStatus": "HEALTHY",
                    "ProductionAccessEnabled": True,
                    "SendingEnabled": True,
                    "SendQuota": {
                        "Max24HourSend": 1e6,
                        "MaxSendRate": stub.max_send_rate,
                        "SentLast24Hours": 0.0,
                    },
                }
                return 200, "application/json", json.dumps(account).encode()
            if path.rstrip("/") == "/v2/email/outbound-emails":
                params = json.loads(body or b"{}")
                destination = params.get("Destination") or {}
                count = sum(len(v) for v in destination.values())
                raw = params.get("Content", {}).get("Raw", {}).get("Data")
                if not count and raw:
                    count = _mime_recipients(base64.b64decode(raw))
                if not stub.admit(max(count, 1)):
                    message = json.dumps({"message": "Maximum sending rate exceeded."}).encode()
                    error = {"x-amzn-ErrorType": "TooManyRequestsException"}
                    return 429, "application/json", message, error
                answer = json.dumps({"MessageId": str(uuid.uuid4())}).encode()
                return 200, "application/json", answer
            return 404, "application/json", b'{"message": "not in the stub"}'

        do_GET = do_POST = do_PUT = do_DELETE = _handle

    return Handler
