"""Where a network failure happened: before the request was written, or after.

:func:`failure_phase` reads a botocore exception and tells whether AWS can have
received the request it belongs to:

* ``"before"``: nothing reached AWS, so sending again cannot make a copy.
  The connection was refused (``EndpointConnectionError``), the name did not
  resolve (``EndpointConnectionError`` wrapping ``gaierror``), the connection
  or the TLS handshake failed (``ConnectTimeoutError``, ``SSLError``), the
  proxy refused it (``ProxyConnectionError``), or the peer reset the
  connection (``ConnectionClosedError`` caused by ``ECONNRESET``/``EPIPE``):
  a TCP reset is what a peer sends when it closes a connection whose request
  it has not read to the end.
* ``"after"``: the request was written and may have been processed: a read
  timeout (``ReadTimeoutError``), a connection the peer closed cleanly
  without an answer (``ConnectionClosedError`` caused by
  ``RemoteDisconnected``: it read the request, then hung up), and any other
  transport failure botocore reports (``HTTPClientError``). When in doubt,
  ``"after"``: a message must never be sent twice.
* ``None``: not a network failure (an answer from AWS, a bug…).

The residual risk of the reset rule: a middlebox that reads a whole request,
forwards it and then aborts the client connection with a reset. AWS's
front ends answer such a failure with a 5xx instead.
"""

from __future__ import annotations

import http.client
from typing import Literal

import botocore.exceptions

__all__ = ["Phase", "failure_phase"]

Phase = Literal["before", "after"]

_BEFORE_SENDING = (
    botocore.exceptions.EndpointConnectionError,
    botocore.exceptions.ConnectTimeoutError,
    botocore.exceptions.SSLError,
    botocore.exceptions.ProxyConnectionError,
)
_TRANSPORT = (botocore.exceptions.ConnectionError, botocore.exceptions.HTTPClientError)


def failure_phase(error: BaseException) -> Phase | None:
    """``"before"``: ``error`` proves the request never reached AWS; ``"after"``: it may have.

    ``None`` when ``error`` is not a network failure.
    """
    if isinstance(error, _BEFORE_SENDING):
        return "before"
    if isinstance(error, botocore.exceptions.ConnectionClosedError):
        return "before" if _was_reset(error) else "after"
    if isinstance(error, _TRANSPORT):
        return "after"
    return None


def _was_reset(error: botocore.exceptions.ConnectionClosedError) -> bool:
    """True when the connection ended with a TCP reset (not a clean close after the request)."""
    cause = error.kwargs.get("error")  # urllib3's ProtocolError("Connection aborted.", OSError)
    args = getattr(cause, "args", ())
    reason = args[-1] if args else cause
    if isinstance(reason, http.client.RemoteDisconnected):
        return False  # a subclass of ConnectionResetError: the peer closed after reading
    return isinstance(reason, (ConnectionResetError, BrokenPipeError))
