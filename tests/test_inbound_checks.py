"""System checks for the inbound settings (django_ses.E050-E053, W050)."""

from __future__ import annotations

import pytest
from django.test import override_settings

from django_ses.checks.inbound import check_inbound_settings


def ids():
    return [message.id for message in check_inbound_settings()]


def test_default_settings_pass():
    assert ids() == []


@pytest.mark.parametrize(
    "handler",
    [
        "django_ses.inbound.SnsHandler",
        "django_ses.inbound.S3Handler",
        "django_ses.inbound.raw_handler",
        "tests.test_inbound.RecordingSnsHandler",
    ],
)
@override_settings(AWS_SES_INBOUND_S3_BUCKETS=["inbound-mail"])
def test_handler_classes_pass(handler):
    with override_settings(AWS_SES_INBOUND_HANDLER=handler):
        assert ids() == []


@pytest.mark.parametrize(
    "handler",
    ["myproject.inbound.Missing", "django_ses.inbound.NoSuchHandler", "not a path"],
)
def test_a_handler_that_cannot_be_imported_is_an_error(handler):
    with override_settings(AWS_SES_INBOUND_HANDLER=handler):
        (error,) = check_inbound_settings()
    assert error.id == "django_ses.E050"
    assert repr(handler) in error.msg


@override_settings(AWS_SES_INBOUND_HANDLER="django_ses.inbound.dispatch_received")
def test_a_handler_that_is_not_a_class_is_an_error():
    (error,) = check_inbound_settings()
    assert error.id == "django_ses.E050"
    assert "is not a handler class" in error.msg


@override_settings(AWS_SES_INBOUND_HANDLER="django_ses.inbound.S3Handler")
def test_an_s3_handler_without_a_bucket_allow_list_is_warned_about():
    assert ids() == ["django_ses.W050"]


@pytest.mark.parametrize(
    "value", ["inbound-mail", ["a", "b"], ("a",), {"a": "eu-west-1", "b": None}]
)
def test_bucket_allow_list_forms_pass(value):
    with override_settings(AWS_SES_INBOUND_S3_BUCKETS=value):
        assert ids() == []


@pytest.mark.parametrize("value", [42, ["a", 3], {"a": 1}])
def test_a_malformed_bucket_allow_list_is_an_error(value):
    with override_settings(AWS_SES_INBOUND_S3_BUCKETS=value):
        assert ids() == ["django_ses.E051"]


@pytest.mark.parametrize("value", [0, -1, "40MB", 1.5, True])
def test_a_bad_size_cap_is_an_error(value):
    with override_settings(AWS_SES_INBOUND_MAX_MESSAGE_SIZE=value):
        assert ids() == ["django_ses.E052"]


@override_settings(AWS_SES_INBOUND_ACCESS_KEY_ID="AKIAONLY")
def test_an_access_key_without_secret_is_an_error():
    assert ids() == ["django_ses.E053"]


def test_the_checks_are_registered_with_djangos_check_framework():
    from django.core.checks import registry

    registered = registry.registry.get_checks()
    assert check_inbound_settings in registered
    assert "django_ses" in check_inbound_settings.tags
