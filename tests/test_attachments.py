"""django_ses.sending.attachments: large binary attachments rendered once; the size lower bound.

The rendered MIME must be exactly what the email package writes (only the
random parts, boundaries, Message-ID and Date, differ from one rendering to
the next).
"""

from __future__ import annotations

import base64
import email.policy
import os
import pickle
import re

import django
import pytest
from django.core.mail import EmailMessage, EmailMultiAlternatives

from django_ses.exceptions import MessageTooLargeError
from django_ses.sending.attachments import (
    LARGE_ATTACHMENT,
    Placeholder,
    base64_size,
    minimum_size,
    skeleton,
    splice,
    with_placeholders,
)
from django_ses.sending.mime import (
    SIZE_LIMITS,
    check_size_before_rendering,
    render_mime,
)
from tests.ses_wire import parse

BIG = LARGE_ATTACHMENT + 1001  # not a multiple of 3 or of 57: a short last line


def make() -> EmailMultiAlternatives:
    message = EmailMultiAlternatives(
        "Your files", "Plain body", "sender@example.com", ["to@example.net"]
    )
    message.attach_alternative("<p>HTML body</p>", "text/html")
    return message


def without_random_parts(raw: bytes) -> bytes:
    raw = re.sub(rb"={15}\d+==", b"BOUNDARY", raw)
    raw = re.sub(rb"Message-ID: <[^>]*>", b"Message-ID: <ID>", raw)
    return re.sub(rb"Date: [^\r]*", b"Date: DATE", raw)


def as_the_email_package_renders_it(message: EmailMessage) -> bytes:
    """Django's ``message()``, written by the email package with CRLF line endings."""
    if django.VERSION >= (6, 0):
        return bytes(message.message(policy=email.policy.SMTP).as_bytes())
    return bytes(message.message().as_bytes(linesep="\r\n"))


def test_a_large_attachment_renders_exactly_as_the_email_package_renders_it():
    message = make()
    message.attach("report.pdf", os.urandom(BIG), "application/pdf")
    message.attach("tiny.bin", b"\x00\x01", "application/octet-stream")
    message.attach("notes.txt", "some notes", "text/plain")
    message.attach(None, bytearray(os.urandom(BIG)), "image/png")

    rendered = render_mime(message)

    expected = as_the_email_package_renders_it(message)
    assert without_random_parts(rendered) == without_random_parts(expected)


@pytest.mark.parametrize("size", [LARGE_ATTACHMENT, LARGE_ATTACHMENT + 1, 57 * 10_000])
def test_the_large_attachment_decodes_to_its_bytes(size):
    content = os.urandom(size)
    message = make()
    message.attach("data.bin", content, "application/octet-stream")

    parsed = parse(render_mime(message))

    (part,) = parsed.iter_attachments()
    assert part.get_filename() == "data.bin"
    assert part.get_content_type() == "application/octet-stream"
    assert part.get_content() == content


def test_the_message_keeps_its_attachments():
    content = os.urandom(BIG)
    message = make()
    message.attach("data.bin", content, "application/octet-stream")
    before = list(message.attachments)

    render_mime(message)

    assert message.attachments == before
    assert message.attachments[0][1] is content


def test_placeholders_replace_only_large_binary_attachments():
    message = make()
    content = os.urandom(BIG)
    message.attach("data.bin", content, "application/octet-stream")
    message.attach("small.bin", b"small", "application/octet-stream")
    message.attach("long.txt", "x" * BIG, "text/plain")
    message.attach("forwarded.eml", b"Subject: x\r\n\r\n" + b"x" * BIG, "message/rfc822")
    others = list(message.attachments[1:])

    placeholders = with_placeholders(message)

    assert [p.content for p in placeholders] == [content]
    assert message.attachments[0] == ("data.bin", placeholders[0].token, "application/octet-stream")
    assert len(placeholders[0].token) < 200
    assert message.attachments[1:] == others


def test_splice_answers_none_when_a_placeholder_is_missing():
    placeholder = Placeholder(b"content" * 100_000, b"\x01" * 114)

    assert splice(b"To: a@example.com\r\n\r\nno placeholder here\r\n", [placeholder]) is None


def test_splice_answers_none_when_a_placeholder_appears_twice():
    placeholder = Placeholder(b"content" * 100_000, b"\x01" * 114)
    twice = b"head\r\n" + placeholder.needle + b"--b\r\n" + placeholder.needle

    assert splice(twice, [placeholder]) is None


# ------------------------------------------------------------------ the size, before rendering


@pytest.mark.parametrize("length", [0, 1, 2, 3, 56, 57, 58, 114, 1000, BIG])
def test_base64_size_is_the_size_of_the_encoded_lines(length):
    assert base64_size(length) == len(base64.encodebytes(b"\0" * length).replace(b"\n", b"\r\n"))


def test_the_minimum_size_is_never_more_than_the_rendered_size():
    message = make()
    message.attach("a.bin", os.urandom(BIG), "application/octet-stream")
    message.attach("b.bin", os.urandom(10), "image/gif")
    message.attach("c.txt", "text " * 1000, "text/plain")

    assert base64_size(BIG) + base64_size(10) == minimum_size(message)
    assert minimum_size(message) <= len(render_mime(message))


def test_a_message_whose_attachments_alone_are_over_the_limit_is_refused_before_rendering():
    message = make()
    message.attach("big.bin", b"\0" * (8 * 1024 * 1024), "application/octet-stream")

    with pytest.raises(MessageTooLargeError, match="at least 11") as info:
        check_size_before_rendering(message, "v1")

    assert info.value.at_least
    assert info.value.size == base64_size(8 * 1024 * 1024)
    assert info.value.limit == SIZE_LIMITS["v1"]
    check_size_before_rendering(message, "v2")  # 40 MB


def test_the_at_least_flag_survives_pickling():
    error = pickle.loads(pickle.dumps(MessageTooLargeError(11, 10, "v1", at_least=True)))

    assert (error.size, error.limit, error.api, error.at_least) == (11, 10, "v1", True)
    assert "at least 11 bytes" in str(error)


# ------------------------------------------------------------------ the skeleton of a message


@pytest.mark.parametrize("length", [0, 10, 114, 115, 1000, 57 * 40, 100 * 1024 + 1, BIG])
def test_the_skeleton_renders_smaller_by_exactly_its_growth(length):
    message = make()
    message.attach("data.bin", os.urandom(length), "application/octet-stream")
    message.attach("notes.txt", "text " * 100, "text/plain")

    copied, growth = skeleton(message).message, skeleton(message).growth

    rendered = render_mime(copied, message_id="<fixed@example.com>")
    assert len(rendered) + growth == len(render_mime(message, message_id="<fixed@example.com>"))
    assert len(rendered) < 2500  # the placeholder, not the attachment


def test_the_skeleton_is_a_copy_and_leaves_the_message_as_it_was():
    message = make()
    content = os.urandom(5000)
    message.attach("data.bin", content, "application/octet-stream")

    copied = skeleton(message).message

    assert message.attachments == [("data.bin", content, "application/octet-stream")]
    assert copied.attachments[0][1] != content
    assert (copied.subject, copied.to, copied.body) == (message.subject, message.to, message.body)
