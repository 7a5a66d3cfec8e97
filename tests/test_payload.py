"""django_ses.sending.payload: a message checked whole without being rendered, then rendered.

:func:`check_payload` refuses what :func:`build_payload` refuses, and knows the
exact size of the raw MIME, from the message's skeleton (binary attachments
as placeholders); :meth:`Draft.render` gives those bytes later: the kept
skeleton with the attachments spliced in when the message is not DKIM-signed
here, a second rendering otherwise.
"""

from __future__ import annotations

import os

import pytest
from cryptography.hazmat.primitives import serialization
from cryptography.hazmat.primitives.asymmetric import rsa
from django.core.mail import EmailMessage, EmailMultiAlternatives
from django.test import override_settings

from django_ses.exceptions import InvalidMessageError, MessageTooLargeError
from django_ses.sending.attachments import base64_size
from django_ses.sending.mime import SIZE_LIMITS, message_recipients
from django_ses.sending.options import SendOptions
from django_ses.sending.payload import KEPT_SKELETON, build_payload, check_payload
from django_ses.sending.suppression import Suppression
from django_ses.testing.sent import parse


def options(**keywords: object) -> SendOptions:
    return SendOptions.resolve(keywords)


def check(message: EmailMessage, opts: SendOptions | None = None):  # type: ignore[no-untyped-def]
    opts = opts or options()
    return check_payload(
        message,
        message_recipients(message),
        options=opts,
        envelope=opts.envelope(),
        suppression=Suppression.lookup([], enabled=False),
    )


def with_attachment(size: int) -> EmailMultiAlternatives:
    message = EmailMultiAlternatives(
        "Your receipt", "Plain body\n" * 20, "shop@example.com", ["to@example.net"]
    )
    message.attach_alternative("<p>HTML body</p>" * 20, "text/html")
    message.attach("receipt.bin", os.urandom(size), "application/octet-stream")
    return message


def dkim_settings() -> dict[str, str]:
    """Manual DKIM signing settings with a new 2048-bit key."""
    key = rsa.generate_private_key(public_exponent=65537, key_size=2048)
    pem = key.private_bytes(
        serialization.Encoding.PEM,
        serialization.PrivateFormat.TraditionalOpenSSL,
        serialization.NoEncryption(),
    )
    return {"DKIM_DOMAIN": "example.com", "DKIM_PRIVATE_KEY": pem.decode()}


@pytest.mark.parametrize("size", [0, 100, 20 * 1024, 300 * 1024])
def test_the_check_knows_the_exact_size_the_message_renders_to(size: int) -> None:
    message = with_attachment(size)

    draft = check(message)

    assert not draft.head.raw  # nothing rendered is kept
    assert len(draft.render(message).raw) == draft.size


def test_the_rendered_message_is_what_build_payload_renders() -> None:
    message = with_attachment(5000)
    message.extra_headers["Message-ID"] = "<same@example.com>"
    opts = options()

    rendered = check(message, opts).render(message)
    built = build_payload(
        message,
        message_recipients(message),
        options=opts,
        envelope=opts.envelope(),
        suppression=Suppression.lookup([], enabled=False),
    )

    assert len(rendered.raw) == len(built.raw)
    assert (rendered.recipients, rendered.sender) == (built.recipients, built.sender)


def test_a_message_over_the_limit_only_with_its_body_is_refused_by_the_check() -> None:
    # The attachment alone is under the v1 limit; with the rest of the message it is over.
    attachment = (SIZE_LIMITS["v1"] // 4) * 3
    while base64_size(attachment) > SIZE_LIMITS["v1"] - 200:
        attachment -= 57
    message = with_attachment(attachment)

    with pytest.raises(MessageTooLargeError) as info:
        check(message)

    assert not info.value.at_least  # the exact size
    assert info.value.size > SIZE_LIMITS["v1"]


def test_a_message_the_email_package_cannot_encode_is_refused_by_the_check() -> None:
    message = with_attachment(100)
    message.encoding = "no-such-charset"

    with pytest.raises(InvalidMessageError, match="cannot be encoded"):
        check(message)


def test_the_configuration_set_callable_is_called_once_for_check_and_render() -> None:
    calls: list[str] = []

    def configuration_set(message: EmailMessage, **_: object) -> str:
        calls.append(message.subject)
        return "receipts"

    with override_settings(AWS_SES_CONFIGURATION_SET=configuration_set):
        opts = options()
    message = with_attachment(100)

    payload = check(message, opts).render(message)

    assert calls == ["Your receipt"]
    assert payload.configuration_set == "receipts"
    assert b"X-SES-CONFIGURATION-SET: receipts" in payload.raw


def test_the_checked_size_of_a_dkim_signed_message_is_exact() -> None:
    with override_settings(**dkim_settings()):
        opts = options()
    message = with_attachment(30 * 1024)

    draft = check(message, opts)
    payload = draft.render(message)

    assert payload.raw.startswith(b"DKIM-Signature:")
    assert len(payload.raw) == draft.size


@pytest.mark.parametrize("signed", [False, True], ids=["unsigned", "dkim"])
def test_the_checked_size_counts_each_recipients_own_unsubscribe_lines(signed: bool) -> None:
    dkim = dkim_settings() if signed else {}
    with override_settings(AWS_SES_UNSUBSCRIBE_BASE_URL="https://shop.example.com", **dkim):
        opts = options()
        message = with_attachment(20 * 1024)
        message.to = ["ann@example.net", "bartholomew.longname@example.net"]
        message.ses_unsubscribe = True  # type: ignore[attr-defined]

        draft = check(message, opts)
        payload = draft.render(message)

    largest = max(len(payload.raw_for([r])) for r in payload.recipients)
    assert len(payload.raw_prefixes) == 2  # one copy per recipient, each with its own lines
    assert largest == draft.size


# ------------------------------------------------ the kept skeleton: rendered once


class Counted(EmailMultiAlternatives):
    """An email that counts how often Django renders it (or a copy of it)."""

    rendered: list[str]

    @property
    def renderings(self) -> int:
        return len(self.rendered)

    def message(self, *args: object, **kwargs: object):  # type: ignore[no-untyped-def]
        self.rendered.append(self.subject)  # the list is shared with any copy
        return super().message(*args, **kwargs)  # type: ignore[arg-type]


def counted(size: int, body: str = "Plain body\n" * 20) -> Counted:
    message = Counted("Your receipt", body, "shop@example.com", ["to@example.net"])
    message.rendered = []
    message.attach_alternative("<p>HTML body</p>" * 20, "text/html")
    message.attach("receipt.bin", os.urandom(size), "application/octet-stream")
    message.attach("notes.txt", "A text attachment.\n", "text/plain")
    return message


def first_attachment(raw: bytes) -> object:
    part = next(iter(parse(raw).iter_attachments()))
    return part.get_content()


@pytest.mark.parametrize("size", [115, 20 * 1024, 300 * 1024])
def test_an_unsigned_message_is_rendered_once_and_its_attachments_spliced_in(size: int) -> None:
    message = counted(size)

    draft = check(message)
    payload = draft.render(message)

    assert message.renderings == 1  # its skeleton, at the check
    assert len(payload.raw) == draft.size
    parsed = parse(payload.raw)
    binary, text = parsed.iter_attachments()
    assert binary.get_content() == message.attachments[0][1]
    assert text.get_content().splitlines() == ["A text attachment."]
    assert parsed.get_body(("plain",)).get_content().splitlines() == message.body.splitlines()


def test_a_dkim_signed_message_is_rendered_again_for_its_call() -> None:
    with override_settings(**dkim_settings()):
        opts = options()
    message = counted(20 * 1024)

    draft = check(message, opts)
    payload = draft.render(message)

    assert message.renderings == 2  # a signature covers the attachment: no splicing
    assert payload.raw.startswith(b"DKIM-Signature:")
    assert first_attachment(payload.raw) == message.attachments[0][1]


def test_a_skeleton_larger_than_what_is_kept_is_rendered_again() -> None:
    message = counted(20 * 1024, body="A long letter.\n" * (KEPT_SKELETON // 15))

    draft = check(message)
    payload = draft.render(message)

    assert message.renderings == 2  # the skeleton alone is over KEPT_SKELETON: not kept
    assert len(payload.raw) == draft.size
    assert first_attachment(payload.raw) == message.attachments[0][1]


def test_an_unsigned_message_with_unsubscribe_lines_is_rendered_once() -> None:
    with override_settings(AWS_SES_UNSUBSCRIBE_BASE_URL="https://shop.example.com"):
        opts = options()
        message = counted(20 * 1024)
        message.to = ["ann@example.net", "bob@example.net"]
        message.ses_unsubscribe = True  # type: ignore[attr-defined]

        draft = check(message, opts)
        payload = draft.render(message)

    assert message.renderings == 1
    copies = [payload.raw_for([recipient]) for recipient in payload.recipients]
    links = {parse(copy)["List-Unsubscribe"] for copy in copies}
    assert len(links) == 2  # each recipient's own
    assert all(link.startswith("<https://shop.example.com/") for link in links)
    for copy in copies:
        assert first_attachment(copy) == message.attachments[0][1]
