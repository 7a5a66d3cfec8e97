"""django_ses.sending.wire: a large raw message streamed into the request, byte for byte.

The local AWS records each request as it arrived: the body must be exactly
what botocore would have serialised, for both APIs, with retries and with
threads sharing one client.
"""

from __future__ import annotations

import base64
import io
import json
import os
import threading
from urllib.parse import parse_qs, parse_qsl, urlencode

import pytest
from botocore.config import Config
from django.core.mail import EmailMessage
from django.test import override_settings

from django_ses import SESBackend
from django_ses.sending.wire import STREAMED_SIZE, STREAMED_SIZE_V1, StreamedBody
from tests.ses_wire import parse, v1_raw, v2_raw

RETRY_ONCE = Config(retries={"total_max_attempts": 2, "mode": "standard"})


def large_message(size: int = STREAMED_SIZE + 12_345, to: str = "to@example.net") -> EmailMessage:
    message = EmailMessage("Large", "See the attachment.", "sender@example.com", [to])
    message.attach("data.bin", os.urandom(size), "application/octet-stream")
    return message


def attachment_of(raw: bytes) -> bytes:
    (part,) = parse(raw).iter_attachments()
    content: bytes = part.get_content()
    return content


# ---------------------------------------------------------------- StreamedBody


@pytest.mark.parametrize("percent", [False, True], ids=["json", "query"])
@pytest.mark.parametrize("size", [0, 1, 2, 3, 196_607, 196_608, 196_609, 1_000_003])
def test_the_stream_reads_as_the_body_botocore_would_build(percent, size):
    data = os.urandom(size)
    encoded = base64.b64encode(data)
    if percent:
        encoded = urlencode({"": encoded})[1:].encode()

    body = StreamedBody(b"before=", data, b"&after", percent=percent)

    expected = b"before=" + encoded + b"&after"
    assert len(body) == len(expected)
    assert body.read() == expected
    assert body.read() == b""


def test_the_stream_reads_in_any_chunk_size_and_seeks_back():
    data = os.urandom(500_000)
    body = StreamedBody(b"{", data, b"}", percent=False)
    expected = b"{" + base64.b64encode(data) + b"}"

    chunks = iter(lambda: body.read(7_777), b"")
    assert b"".join(chunks) == expected
    assert body.tell() == len(expected)
    assert body.seek(0) == 0
    assert body.read(1) == b"{"
    body.seek(-1, io.SEEK_END)
    assert body.read() == b"}"
    body.seek(300_001)
    assert body.read(10) == expected[300_001:300_011]


def test_a_negative_seek_is_refused():
    body = StreamedBody(b"", b"abc", b"", percent=False)

    with pytest.raises(ValueError):
        body.seek(-1)


# ---------------------------------------------------------------- on the wire


def test_a_large_v2_message_arrives_as_json_with_the_raw_message_in_base64(aws, ses_identity):
    message = large_message()

    assert SESBackend(use_ses_v2=True).send_messages([message]) == 1

    (call,) = aws.calls("sesv2", "SendEmail")
    assert int(call.headers["content-length"]) == len(call.body)
    assert call.json["Destination"] == {"ToAddresses": ["to@example.net"]}
    assert attachment_of(v2_raw(call)) == message.attachments[0][1]
    assert attachment_of(aws.sent_messages()[0].raw_data.encode()) == message.attachments[0][1]


@pytest.mark.parametrize(
    "size",
    [STREAMED_SIZE_V1 - 2_000, STREAMED_SIZE_V1 + 1, 20_000, STREAMED_SIZE + 12_345],
    ids=["below-v1-threshold", "just-over-it", "20KB", "large"],
)
def test_a_v1_message_arrives_url_encoded_with_the_raw_message_in_base64(aws, ses_identity, size):
    message = large_message(size)

    assert SESBackend().send_messages([message]) == 1

    (call,) = aws.calls("ses", "SendRawEmail")
    assert int(call.headers["content-length"]) == len(call.body)
    text = call.body.decode("ascii")
    assert urlencode(parse_qsl(text, strict_parsing=True)) == text  # as botocore encodes it
    form = parse_qs(text, strict_parsing=True)
    assert form["Action"] == ["SendRawEmail"]
    assert form["Destinations.member.1"] == ["to@example.net"]
    assert attachment_of(v1_raw(call)) == message.attachments[0][1]


@pytest.mark.parametrize("use_v2", [False, True], ids=["v1", "v2"])
def test_a_retried_call_sends_the_whole_message_again(aws, ses_identity, use_v2):
    service, operation = ("sesv2", "SendEmail") if use_v2 else ("ses", "SendRawEmail")
    aws.fail(service, operation, "ServiceUnavailable", status=503, times=1)
    message = large_message()

    sent = SESBackend(use_ses_v2=use_v2, aws_config=RETRY_ONCE).send_messages([message])

    assert sent == 1
    first, second = aws.calls(service, operation)
    assert first.body == second.body
    raw = v2_raw(second) if use_v2 else v1_raw(second)
    assert attachment_of(raw) == message.attachments[0][1]


def test_a_message_over_fifty_recipients_sends_the_same_raw_message_in_each_call(aws, ses_identity):
    aws.respond_json("sesv2", "SendEmail", {"MessageId": "chunk"})  # moto counts the To header
    message = large_message()
    message.bcc = [f"r{i}@example.net" for i in range(59)]

    assert SESBackend(use_ses_v2=True).send_messages([message]) == 1

    first, second = aws.calls("sesv2", "SendEmail")
    assert v2_raw(first) == v2_raw(second)
    assert len(second.json["Destination"]["BccAddresses"]) == 10


def test_threads_sharing_a_backend_each_send_their_own_message(aws, ses_identity):
    backend = SESBackend(use_ses_v2=True)
    messages = [large_message(to=f"t{i}@example.net") for i in range(4)]
    backend.open()
    try:
        threads = [
            threading.Thread(target=backend.send_messages, args=([message],))
            for message in messages
        ]
        for thread in threads:
            thread.start()
        for thread in threads:
            thread.join(30)
    finally:
        backend.close()

    received = {
        call.json["Destination"]["ToAddresses"][0]: attachment_of(v2_raw(call))
        for call in aws.calls("sesv2", "SendEmail")
    }
    assert received == {m.to[0]: m.attachments[0][1] for m in messages}


def test_a_small_message_is_serialised_by_botocore_as_usual(aws, ses_identity):
    message = EmailMessage("Small", "Body", "sender@example.com", ["to@example.net"])

    SESBackend(use_ses_v2=True).send_messages([message])

    (call,) = aws.calls("sesv2", "SendEmail")
    assert json.loads(call.body)["Content"]["Raw"]["Data"]
    assert parse(v2_raw(call))["Subject"] == "Small"


@override_settings(USE_SES_V2=True, AWS_SES_GLOBAL_ENDPOINT_ID="abcdef12.g3h")
def test_a_large_message_to_a_global_endpoint_is_signed_with_sigv4a(aws, ses_identity):
    pytest.importorskip("awscrt")
    aws.respond_json("sesv2", "SendEmail", {"MessageId": "global-1"})  # moto cannot route SigV4a
    message = large_message()

    assert SESBackend().send_messages([message]) == 1

    (call,) = aws.calls("sesv2", "SendEmail")
    assert call.headers["authorization"].startswith("AWS4-ECDSA-P256-SHA256 ")
    assert call.json["EndpointId"] == "abcdef12.g3h"
    assert attachment_of(v2_raw(call)) == message.attachments[0][1]
