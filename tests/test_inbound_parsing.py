"""Raw MIME → InboundEmail: real fixtures, including malformed ones."""

from __future__ import annotations

import datetime as dt
from email.message import EmailMessage

import pytest

from django_ses.inbound.parsing import (
    decode_text,
    inbound_email_from_message,
    parse_raw_message,
    safe_filename,
)
from tests.inbound_notifications import eml


def parse(name: str):
    return inbound_email_from_message(parse_raw_message(eml(name)))


def test_parse_raw_message_returns_a_stdlib_email_message_with_the_default_policy():
    message = parse_raw_message(eml("alternative.eml"))
    assert isinstance(message, EmailMessage)
    assert message["Subject"] == "Café order — nº 42"


def test_multipart_alternative_gives_both_the_text_and_the_html_part():
    email = parse("alternative.eml")
    assert email["plain_text"] == "Hello,\n\none café crème, please — order nº 42."
    assert email["html_text"] == (
        "<html><body><p>Hello,</p><p>one café crème, please — order nº 42.</p></body></html>"
    )
    assert email["attachments"] == []


def test_headers_are_decoded_from_encoded_words():
    email = parse("alternative.eml")
    assert email["subject"] == "Café order — nº 42"
    assert email["from_email"] == "Jörg Müller <joerg@example.org>"
    assert email["to"] == ["Support <support@example.com>", '"Sales, EMEA" <sales@example.com>']
    assert email["cc"] == ["Élodie <elodie@example.net>"]
    assert email["reply_to"] == ["replies@example.org"]
    assert ("Subject", "Café order — nº 42") in email["headers"]


def test_decoded_headers_stay_on_one_line():
    raw = (
        b"Subject: =?utf-8?q?Hello=0D=0ABcc=3A_victim=40example=2Ecom?=\r\n"
        b"From: a@example.org\r\n\r\nbody\r\n"
    )
    email = inbound_email_from_message(parse_raw_message(raw))
    assert email["subject"] == "Hello Bcc: victim@example.com"
    assert all("\n" not in value and "\r" not in value for _, value in email["headers"])


def test_date_and_message_id_are_read_from_the_message():
    email = parse("alternative.eml")
    assert email["message_id"] == "<20261110130327.4242@mail.example.org>"
    assert email["date"] == "Tue, 10 Nov 2026 14:03:27 +0100"
    assert email["sent_at"] == dt.datetime(2026, 11, 10, 13, 3, 27, tzinfo=dt.timezone.utc)


def test_every_text_part_is_kept_not_only_the_last_one():
    email = parse("attachments.eml")
    assert email["text_parts"] == [
        "Please find the invoice attached.",
        "--\nAccounts team, Example Org",
    ]
    assert (
        email["plain_text"] == "Please find the invoice attached.\n\n--\nAccounts team, Example Org"
    )


def test_attachments_carry_their_decoded_content_type_and_size():
    email = parse("attachments.eml")
    pdf = email["attachments"][0]
    assert pdf["filename"] == "invoice-2026-11.pdf"
    assert pdf["content_type"] == "application/pdf"
    assert pdf["data"].startswith(b"%PDF-1.4")
    assert pdf["size"] == len(pdf["data"])
    assert pdf["disposition"] == "attachment"
    csv = email["attachments"][3]
    assert (csv["filename"], csv["content_type"]) == ("résumé.csv", "text/csv")
    assert csv["data"].decode() == "name;amount\nCafé;4.20\n"


def test_attachment_file_names_lose_path_separators_and_line_breaks():
    names = [attachment["filename"] for attachment in parse("attachments.eml")["attachments"]]
    assert names[1] == "passwd"
    assert names[2] == "evilX-Injected_ yes.txt"
    for name in names:
        assert not set(name) & {"/", "\\", "\r", "\n", "\x00"}


def test_a_text_part_sent_as_an_attachment_is_an_attachment_not_body_text():
    email = parse("attachments.eml")
    assert "not really evil" not in email["plain_text"]
    assert email["attachments"][2]["data"] == b"not really evil"


def test_inline_images_are_listed_with_their_content_id():
    email = parse("inline_image.eml")
    assert email["attachments"] == []
    logo, spacer = email["inlines"]
    assert (logo["filename"], logo["content_type"], logo["content_id"]) == (
        "logo.png",
        "image/png",
        "logo@example.org",
    )
    assert logo["data"].startswith(b"\x89PNG")
    assert logo["disposition"] == "inline"
    assert spacer["filename"] == "part-4.png"  # no name given: one is made from the type
    assert 'src="cid:logo@example.org"' in email["html_text"]


def test_non_utf8_charsets_are_decoded():
    email = parse("charsets.eml")
    assert email["text_parts"] == [
        "Crème brûlée à la française",  # iso-8859-1, 8bit
        "Price: 5 \u20ac \u2013 \u201cquoted\u201d",  # windows-1252, quoted-printable
        "こんにちは、世界",  # shift_jis, base64
    ]
    assert email["subject"] == "お知らせ"
    assert email["from_email"] == "Renée <renee@example.fr>"
    assert email["defects"] == []


def test_an_unknown_charset_is_decoded_leniently_and_reported():
    email = parse("unknown_charset.eml")
    assert email["plain_text"] == "Qaplaé! Success in battle.\n"
    assert email["defects"] == ["part 1: unknown charset 'x-mac-klingon'; decoded as windows-1252"]


def test_broken_base64_parts_are_decoded_as_far_as_possible():
    email = parse("broken_base64.eml")
    assert email["plain_text"].startswith("Hello, this body is fine")
    truncated, garbage = email["attachments"]
    assert truncated["data"] == bytes(range(10))  # missing padding
    assert garbage["filename"] == "garbage.jpg"
    assert any("InvalidBase64" in defect for defect in email["defects"])


def test_a_part_declaring_100_mb_is_read_by_its_real_size():
    email = parse("declares_100mb.eml")
    (huge,) = email["attachments"]
    assert huge["filename"] == "huge.bin"
    assert huge["size"] == 16
    assert huge["data"] == bytes(range(16))


def test_a_multipart_without_boundary_is_read_as_text_and_a_bad_date_is_none():
    email = parse("no_boundary.eml")
    assert email["plain_text"] == "This body has no boundary, so it is read as text.\n"
    assert email["date"] == "not a date at all"
    assert email["sent_at"] is None
    assert "message: NoBoundaryInMultipartDefect" in email["defects"]


def test_an_attached_message_is_an_attachment_not_merged_into_the_body():
    outer = EmailMessage()
    outer["Subject"] = "Fwd: hello"
    outer.set_content("See below.")
    inner = parse_raw_message(eml("sns_example.eml"))
    outer.add_attachment(inner)
    email = inbound_email_from_message(parse_raw_message(outer.as_bytes()))
    assert email["plain_text"] == "See below.\n"
    (forwarded,) = email["attachments"]
    assert forwarded["content_type"] == "message/rfc822"
    assert forwarded["filename"] == "Example subject.eml"
    assert b"Example content" in forwarded["data"]


@pytest.mark.parametrize(
    "raw",
    [
        b"",
        b"\x00\xff\xfe garbage",
        b"Content-Type: multipart/mixed; boundary=x\r\n\r\n--x\r\nContent-Type: text/plain\r\n",
        b"Subject: =?utf-8?b?!!!?=\r\nFrom: <<<@>>>\r\nTo: ,,,\r\nDate: 99 Foo 99999\r\n\r\nx",
        b"Content-Type: text/plain; charset=base64\r\n\r\nnot a text codec",
    ],
)
def test_garbage_never_raises(raw):
    email = inbound_email_from_message(parse_raw_message(raw))
    assert isinstance(email["plain_text"], str)
    assert isinstance(email["to"], list)


def test_deep_nesting_is_cut_off_and_reported():
    depth = 80
    raw = b"".join(
        b"Content-Type: multipart/mixed; boundary=b%d\r\n\r\n--b%d\r\n" % (i, i)
        for i in range(depth)
    )
    raw += b"Content-Type: text/plain\r\n\r\ndeep\r\n"
    email = inbound_email_from_message(parse_raw_message(raw))
    assert any("MIME nesting deeper than" in defect for defect in email["defects"])


@pytest.mark.parametrize(
    ("name", "expected"),
    [
        ("report.pdf", "report.pdf"),
        ("../../etc/passwd", "passwd"),
        ("C:\\Users\\me\\evil.exe", "evil.exe"),
        ("a\r\nb\x00c.txt", "abc.txt"),
        ("photo\u202egpj.exe", "photogpj.exe"),  # right-to-left override removed
        ("..", "part-3.bin"),
        ("", "part-3.bin"),
        (None, "part-3.bin"),
        ('a<b>:"c|?*.txt', "a_b___c___.txt"),
        (".htaccess", "htaccess"),
    ],
)
def test_safe_filename(name, expected):
    assert safe_filename(name, "application/octet-stream", 3) == expected


def test_safe_filename_keeps_the_extension_when_shortening():
    name = safe_filename("x" * 500 + ".pdf", "application/pdf", 1)
    assert len(name) == 150
    assert name.endswith(".pdf")


def test_decode_text_tries_the_declared_charset_then_utf8():
    assert decode_text("é".encode("latin-1"), "iso-8859-1") == ("é", None)
    assert decode_text("é".encode(), "us-ascii") == (
        "é",
        "content is not valid 'us-ascii'; decoded as utf-8",
    )
