"""django_ses.sending.headers: a header a message may carry once reaches SES once.

A project's ``MIME-Version``, ``Content-Type`` and ``Content-Transfer-Encoding``
replace the ones Django writes; two spellings of one single-value header are
refused before any call. Checked on the MIME :func:`render_mime` produces.
"""

from __future__ import annotations

import base64

import pytest
from django.core.mail import EmailMessage, EmailMultiAlternatives

from django_ses.exceptions import InvalidMessageError
from django_ses.sending.headers import duplicated_headers
from django_ses.sending.mime import render_mime
from tests.ses_wire import parse


def make(body: str = "Body", **kwargs: object) -> EmailMessage:
    kwargs.setdefault("to", ["to@example.net"])
    return EmailMessage(
        subject="Subject",
        body=body,
        from_email="sender@example.com",
        **kwargs,  # type: ignore[arg-type]
    )


def test_a_project_mime_version_appears_once():
    parsed = parse(render_mime(make(headers={"MIME-Version": "1.0"})))

    assert parsed.get_all("MIME-Version") == ["1.0"]


def test_a_project_content_type_replaces_djangos_and_the_body_follows_its_charset():
    content_type = 'text/plain; charset="iso-8859-1"; format="flowed"'
    parsed = parse(render_mime(make(body="Café", headers={"Content-Type": content_type})))

    assert parsed.get_all("Content-Type") == [content_type]
    # Django 6 ends a text body with a line break; 5.2 does not.
    assert parsed.get_payload(decode=True).rstrip(b"\r\n") == "Café".encode("iso-8859-1")


def test_a_project_html_content_type_makes_an_html_body():
    parsed = parse(render_mime(make(body="<p>Hi</p>", headers={"content-type": "text/html"})))

    assert parsed.get_content_type() == "text/html"
    assert len(parsed.get_all("Content-Type")) == 1


@pytest.mark.parametrize("encoding", ["base64", "quoted-printable", "8bit"])
def test_a_project_transfer_encoding_replaces_djangos_and_the_body_still_decodes(encoding):
    body = "Grüße aus Köln\n" * 3
    parsed = parse(render_mime(make(body=body, headers={"Content-Transfer-Encoding": encoding})))

    assert parsed.get_all("Content-Transfer-Encoding") == [encoding]
    assert parsed.get_payload(decode=True).decode("utf-8").replace("\r\n", "\n") == body


def test_base64_chosen_by_the_project_is_what_reaches_ses():
    raw = render_mime(make(body="plain words", headers={"Content-Transfer-Encoding": "base64"}))
    body = raw.split(b"\r\n\r\n", 1)[1]

    assert b"plain words" not in raw
    assert base64.b64decode(body).rstrip(b"\r\n") == b"plain words"


def test_7bit_for_a_non_ascii_body_is_refused():
    with pytest.raises(InvalidMessageError, match="7bit needs an ASCII body"):
        render_mime(make(body="Café", headers={"Content-Transfer-Encoding": "7bit"}))


def test_an_unknown_transfer_encoding_is_refused():
    with pytest.raises(InvalidMessageError, match="Unknown Content-Transfer-Encoding 'uuencode'"):
        render_mime(make(headers={"Content-Transfer-Encoding": "uuencode"}))


def test_a_text_content_type_on_a_message_with_attachments_is_refused():
    message = make(headers={"Content-Type": "text/plain"})
    message.attach("a.txt", "attached", "text/plain")

    with pytest.raises(InvalidMessageError, match=r"does not match the message .*multipart/mixed"):
        render_mime(message)


def test_a_multipart_content_type_on_a_multipart_message_replaces_djangos():
    message = EmailMultiAlternatives(
        "Subject",
        "text",
        "sender@example.com",
        ["to@example.net"],
        headers={"Content-Type": "multipart/alternative"},
    )
    message.attach_alternative("<p>html</p>", "text/html")

    parsed = parse(render_mime(message))

    assert len(parsed.get_all("Content-Type")) == 1
    assert [part.get_content_type() for part in parsed.get_payload()] == [
        "text/plain",
        "text/html",
    ]


def test_a_multipart_message_refuses_a_base64_transfer_encoding():
    message = make(headers={"Content-Transfer-Encoding": "base64"})
    message.attach("a.txt", "attached", "text/plain")

    with pytest.raises(InvalidMessageError, match="only be 7bit, 8bit or binary"):
        render_mime(message)


def test_a_list_unsubscribe_header_appears_once():
    headers = {"List-Unsubscribe": "<mailto:unsubscribe@example.com>"}

    parsed = parse(render_mime(make(headers=headers)))

    assert parsed.get_all("List-Unsubscribe") == ["<mailto:unsubscribe@example.com>"]


@pytest.mark.parametrize(
    ("first", "second"),
    [
        ("List-Unsubscribe", "list-unsubscribe"),
        ("List-Unsubscribe-Post", "LIST-UNSUBSCRIBE-POST"),
        ("Content-Type", "content-type"),
        ("MIME-Version", "Mime-Version"),
        ("Subject", "subject"),
        ("Message-ID", "message-id"),
    ],
)
def test_two_spellings_of_a_single_value_header_are_refused(first, second):
    headers = {first: "one", second: "two"}

    with pytest.raises(InvalidMessageError, match=f"sets {first!r} and {second!r}"):
        render_mime(make(headers=headers))


def test_two_spellings_of_an_ordinary_header_are_both_kept():
    parsed = parse(render_mime(make(headers={"X-Note": "a", "x-note": "b"})))

    assert parsed.get_all("X-Note") == ["a", "b"]


def test_duplicated_headers_names_only_single_value_headers_given_twice():
    names = ["Subject", "X-A", "x-a", "list-unsubscribe", "List-Unsubscribe", "To"]

    assert duplicated_headers(names) == ["list-unsubscribe"]
