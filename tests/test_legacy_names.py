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


#: Every property of django-ses 4.8.2's SesSettings (read from its sdist).
SES_SETTINGS_PROPERTIES = [
    "AWS_SESSION_PROFILE",
    "ACCESS_KEY",
    "SECRET_KEY",
    "SESSION_TOKEN",
    "AWS_SES_REGION_NAME",
    "AWS_SES_REGION_ENDPOINT",
    "AWS_SES_REGION_ENDPOINT_URL",
    "AWS_SES_AUTO_THROTTLE",
    "AWS_SES_CONFIG",
    "AWS_SES_RETURN_PATH",
    "AWS_SES_CONFIGURATION_SET",
    "DKIM_DOMAIN",
    "DKIM_PRIVATE_KEY",
    "DKIM_SELECTOR",
    "DKIM_HEADERS",
    "AWS_SES_SOURCE_ARN",
    "AWS_SES_FROM_ARN",
    "AWS_SES_RETURN_PATH_ARN",
    "USE_SES_V2",
    "AWS_SES_GLOBAL_ENDPOINT_ID",
    "AWS_SES_FROM_EMAIL",
    "TIME_ZONE",
    "VERIFY_EVENT_SIGNATURES",
    "EVENT_TRUSTED_TOPIC_ARNS",
    "EVENT_CERT_DOMAINS",
    "AWS_SES_ADD_BOUNCE_TO_BLACKLIST",
    "AWS_SES_ADD_COMPLAINT_TO_BLACKLIST",
    "AWS_SES_USE_BLACKLIST",
    "AWS_SES_INBOUND_HANDLER",
    "AWS_SES_INBOUND_ACCESS_KEY_ID",
    "AWS_SES_INBOUND_SECRET_ACCESS_KEY",
    "AWS_SES_INBOUND_SESSION_TOKEN",
]


@pytest.mark.parametrize("name", SES_SETTINGS_PROPERTIES)
def test_every_property_of_django_ses_settings_object_reads(name) -> None:
    from django_ses.conf import SesSettings

    assert name in dir(SesSettings())
    getattr(SesSettings(), name)  # raises AttributeError when missing


@override_settings(
    TIME_ZONE="Europe/Paris",
    AWS_SNS_EVENT_TRUSTED_TOPIC_ARNS=["arn:aws:sns:us-east-1:1:t"],
    DKIM_SELECTOR="s1",
)
def test_the_settings_object_reads_what_the_runtime_reads() -> None:
    from django_ses.conf import get_setting, settings

    assert settings.TIME_ZONE == "Europe/Paris"
    assert settings.EVENT_TRUSTED_TOPIC_ARNS == ["arn:aws:sns:us-east-1:1:t"]
    assert settings.DKIM_SELECTOR == get_setting("DKIM_SELECTOR") == "s1"
