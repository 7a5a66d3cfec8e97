"""django-ses 4.8.2's module-level names stay importable from ``django_ses``."""

from __future__ import annotations

import base64
import warnings

import dkim
import pytest
from cryptography.hazmat.primitives import serialization
from cryptography.hazmat.primitives.asymmetric import rsa
from django.test import override_settings

import django_ses
from django_ses.deprecation import RemovedInDjangoSES20Warning

RAW = b"From: sender@example.com\r\nTo: to@example.net\r\nSubject: Hi\r\n\r\nBody\r\n"


def private_key_pem() -> bytes:
    key = rsa.generate_private_key(public_exponent=65537, key_size=1024)
    return key.private_bytes(
        serialization.Encoding.PEM,
        serialization.PrivateFormat.TraditionalOpenSSL,
        serialization.NoEncryption(),
    )


def public_key_dns(pem: bytes) -> bytes:
    key = serialization.load_pem_private_key(pem, password=None)
    der = key.public_key().public_bytes(
        serialization.Encoding.DER, serialization.PublicFormat.SubjectPublicKeyInfo
    )
    return b"v=DKIM1; k=rsa; p=" + base64.b64encode(der)


def test_the_deprecation_category_is_a_deprecation_warning() -> None:
    assert issubclass(RemovedInDjangoSES20Warning, DeprecationWarning)


@override_settings(AWS_SES_SECRET_ACCESS_KEY="secret", AWS_SES_REGION_NAME="eu-west-1")
def test_django_ses_settings_is_the_settings_object() -> None:
    from django_ses import settings

    assert settings is django_ses.conf.settings
    assert settings.SECRET_KEY == "secret"
    assert settings.AWS_SES_REGION_NAME == "eu-west-1"


@pytest.mark.parametrize(
    ("value", "expected"), [(0, None), (None, None), ("", None), ("2.5", 2.5), (3, 3.0)]
)
def test_cast_nonzero_to_float_behaves_as_in_django_ses(value, expected) -> None:
    from django_ses import cast_nonzero_to_float

    assert cast_nonzero_to_float(value) == expected


def test_dkim_sign_signs_when_a_domain_and_a_key_are_given() -> None:
    from django_ses import dkim_sign

    pem = private_key_pem()
    signed = dkim_sign(RAW, dkim_domain="example.com", dkim_key=pem, dkim_selector="sel")
    assert signed.startswith(b"DKIM-Signature:")
    assert signed.endswith(RAW)
    dns = {b"sel._domainkey.example.com.": public_key_dns(pem)}
    assert dkim.verify(signed, dnsfunc=lambda name, timeout=5: dns.get(name))


def test_dkim_sign_returns_the_message_unchanged_without_a_key() -> None:
    from django_ses import dkim_sign

    assert dkim_sign(RAW, dkim_domain="example.com") == RAW


@pytest.mark.parametrize(("name", "empty"), [("cached_rate_limits", {}), ("recent_send_times", [])])
def test_removed_global_state_warns_and_is_empty(name: str, empty) -> None:
    with pytest.warns(RemovedInDjangoSES20Warning, match=name):
        value = getattr(django_ses, name)
    assert value == empty


def test_an_unknown_name_is_an_attribute_error() -> None:
    with warnings.catch_warnings():
        warnings.simplefilter("error")
        with pytest.raises(AttributeError, match="no_such_name"):
            django_ses.no_such_name  # noqa: B018
