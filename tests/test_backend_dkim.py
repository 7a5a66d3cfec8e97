"""SESBackend with manual DKIM signing: the MIME SES received verifies with dkimpy."""

from __future__ import annotations

import base64
import textwrap
from collections.abc import Callable

import dkim
import pytest
from cryptography.hazmat.primitives import serialization
from cryptography.hazmat.primitives.asymmetric import rsa
from django.core.mail import EmailMessage
from django.test import override_settings

from django_ses import SESBackend
from django_ses.exceptions import DKIMKeyError, SESError
from tests.aws import LocalAWS
from tests.ses_wire import v1_raw, v2_raw


@pytest.fixture(scope="module")
def rsa_key() -> rsa.RSAPrivateKey:
    return rsa.generate_private_key(public_exponent=65537, key_size=2048)


@pytest.fixture(scope="module")
def readme_style_key(rsa_key: rsa.RSAPrivateKey) -> str:
    """DKIM_PRIVATE_KEY written as the django-ses README shows: triple-quoted, indented."""
    pem = rsa_key.private_bytes(
        serialization.Encoding.PEM,
        serialization.PrivateFormat.TraditionalOpenSSL,
        serialization.NoEncryption(),
    ).decode()
    return "\n" + textwrap.indent(pem, "   ")


def dns_for(rsa_key: rsa.RSAPrivateKey, selector: str) -> Callable[..., bytes | None]:
    public_der = rsa_key.public_key().public_bytes(
        serialization.Encoding.DER, serialization.PublicFormat.SubjectPublicKeyInfo
    )
    record = b"v=DKIM1; k=rsa; p=" + base64.b64encode(public_der)

    def lookup(name: bytes, timeout: int = 5) -> bytes | None:
        return (
            record if name.rstrip(b".") == f"{selector}._domainkey.example.com".encode() else None
        )

    return lookup


def a_message() -> EmailMessage:
    return EmailMessage(
        subject="Signed hello",
        body="This body is signed.\n",
        from_email="sender@example.com",
        to=["to@example.net"],
        cc=["cc@example.net"],
        bcc=["hidden@example.org"],
    )


def test_v1_message_reaches_ses_with_a_valid_signature(
    aws: LocalAWS, ses_identity: str, rsa_key: rsa.RSAPrivateKey, readme_style_key: str
) -> None:
    with override_settings(DKIM_DOMAIN="example.com", DKIM_PRIVATE_KEY=readme_style_key):
        assert SESBackend().send_messages([a_message()]) == 1

    (received,) = aws.sent_messages()
    raw = received.raw_data.encode() if isinstance(received.raw_data, str) else received.raw_data
    assert raw.startswith(b"DKIM-Signature:")
    assert b"d=example.com" in raw.split(b"\n\n", 1)[0].replace(b"\r\n", b"\n")
    assert dkim.verify(raw, dnsfunc=dns_for(rsa_key, "ses")) is True


def test_v2_message_is_signed_with_the_configured_selector_and_headers(
    aws: LocalAWS, ses_identity: str, rsa_key: rsa.RSAPrivateKey, readme_style_key: str
) -> None:
    settings = {
        "USE_SES_V2": True,
        "DKIM_DOMAIN": "example.com",
        "DKIM_PRIVATE_KEY": readme_style_key,
        "DKIM_SELECTOR": "mail2026",
        "DKIM_HEADERS": "From, To, Subject",
    }
    with override_settings(**settings):
        assert SESBackend().send_messages([a_message()]) == 1

    (call,) = aws.calls("sesv2", "SendEmail")
    raw = v2_raw(call)
    assert dkim.verify(raw, dnsfunc=dns_for(rsa_key, "mail2026")) is True
    signature = raw.split(b"\n\n", 1)[0].split(b"\nFrom", 1)[0]
    assert b"h=from : to : subject" in b" ".join(signature.split())


def test_keywords_sign_like_the_settings(
    aws: LocalAWS, ses_identity: str, rsa_key: rsa.RSAPrivateKey, readme_style_key: str
) -> None:
    backend = SESBackend(dkim_domain="example.com", dkim_key=readme_style_key, dkim_selector="kw")

    assert backend.send_messages([a_message()]) == 1

    (call,) = aws.calls("ses", "SendRawEmail")
    assert dkim.verify(v1_raw(call), dnsfunc=dns_for(rsa_key, "kw")) is True


def test_message_changed_after_signing_fails_verification(
    aws: LocalAWS, ses_identity: str, rsa_key: rsa.RSAPrivateKey, readme_style_key: str
) -> None:
    with override_settings(DKIM_DOMAIN="example.com", DKIM_PRIVATE_KEY=readme_style_key):
        SESBackend().send_messages([a_message()])

    (call,) = aws.calls("ses", "SendRawEmail")
    tampered = v1_raw(call).replace(b"This body is signed.", b"This body is forged.")
    assert dkim.verify(tampered, dnsfunc=dns_for(rsa_key, "ses")) is False


@override_settings(DKIM_DOMAIN="example.com", DKIM_PRIVATE_KEY="xxxxxxxxxxx")
def test_a_bad_key_is_a_clear_error_before_any_api_call(aws: LocalAWS, ses_identity: str) -> None:
    message = a_message()

    with pytest.raises(DKIMKeyError, match="not in PEM form"):
        SESBackend().send_messages([message])

    assert not aws.calls("ses", "SendRawEmail")
    assert message.ses_status.status == "failed"  # type: ignore[attr-defined]


@override_settings(DKIM_DOMAIN="example.com", DKIM_PRIVATE_KEY="xxxxxxxxxxx")
def test_a_bad_key_with_fail_silently_sends_nothing_and_returns_zero(
    aws: LocalAWS, ses_identity: str
) -> None:
    message = a_message()

    assert SESBackend(fail_silently=True).send_messages([message]) == 0

    assert not aws.calls("ses", "SendRawEmail")
    assert isinstance(message.ses_status.error, DKIMKeyError)  # type: ignore[attr-defined]


@override_settings(DKIM_DOMAIN="example.com", DKIM_PRIVATE_KEY="xxxxxxxxxxx")
def test_a_dkim_failure_is_an_ses_error_and_still_a_value_error(
    aws: LocalAWS, ses_identity: str
) -> None:
    with pytest.raises(SESError) as info:
        SESBackend().send_messages([a_message()])

    assert isinstance(info.value, ValueError)
    assert not aws.calls("ses", "SendRawEmail")
