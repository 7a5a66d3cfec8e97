"""Read SES send requests as the local SES received them (see django_ses.testing.sent)."""

from __future__ import annotations

import uuid

from django_ses.testing.calls import Call, Response
from django_ses.testing.sent import (
    parse,
    v1_destinations,
    v1_raw,
    v1_tags,
    v2_destinations,
    v2_raw,
)

__all__ = [
    "parse",
    "send_raw_email_ok",
    "v1_destinations",
    "v1_raw",
    "v1_tags",
    "v2_destinations",
    "v2_raw",
]


def send_raw_email_ok(call: Call) -> Response:
    """A successful v1 SendRawEmail answer, in the query protocol's XML."""
    body = (
        '<SendRawEmailResponse xmlns="http://ses.amazonaws.com/doc/2010-12-01/">'
        f"<SendRawEmailResult><MessageId>{uuid.uuid4()}</MessageId></SendRawEmailResult>"
        f"<ResponseMetadata><RequestId>{uuid.uuid4()}</RequestId></ResponseMetadata>"
        "</SendRawEmailResponse>"
    ).encode()
    return 200, {"Content-Type": "text/xml"}, body
