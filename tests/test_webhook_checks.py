"""System checks for the SNS webhook (django_ses.E030-E049, W030-W049)."""

from __future__ import annotations

import io
import sys

import pytest
from django.core import checks
from django.core.management import call_command
from django.test import override_settings
from django.urls import clear_url_caches, path

from django_ses.checks.webhook import EVENTS_TAG, check_webhook_settings
from django_ses.views import SESEventWebhookView


def ids() -> list[str]:
    return [message.id or "" for message in check_webhook_settings()]


# This module doubles as a project URLconf that routes the webhook elsewhere.
urlpatterns = [path("hooks/ses/", SESEventWebhookView.as_view())]


@pytest.fixture
def without_webhook_urls(settings):
    """A URLconf without the webhook, as in projects that only send mail."""
    module = type(sys)("tests_no_webhook_urls")
    module.urlpatterns = []  # type: ignore[attr-defined]
    sys.modules["tests_no_webhook_urls"] = module
    settings.ROOT_URLCONF = "tests_no_webhook_urls"
    clear_url_caches()
    yield
    clear_url_caches()
    del sys.modules["tests_no_webhook_urls"]


def test_a_routed_webhook_without_an_allow_list_warns_that_anyone_can_subscribe():
    messages = check_webhook_settings()
    (warning,) = [m for m in messages if m.id == "django_ses.W030"]
    assert "any AWS account can subscribe" in warning.msg
    assert "AWS_SNS_EVENT_TRUSTED_TOPIC_ARNS" in (warning.hint or "")


@pytest.mark.parametrize(
    "setting", ["AWS_SNS_EVENT_TRUSTED_TOPIC_ARNS", "AWS_SES_ALLOWED_TOPIC_ARNS"]
)
def test_an_allow_list_silences_the_warning(settings, setting):
    setattr(settings, setting, "arn:aws:sns:us-east-1:123456789012:ses-events")
    assert ids() == []


def test_a_project_without_the_webhook_gets_no_webhook_warning(without_webhook_urls):
    assert "django_ses.W030" not in ids()


@pytest.mark.parametrize("value", [123, ["arn:aws:sns:us-east-1:123456789012:x", 5], {"a": 1}])
def test_a_topic_allow_list_of_the_wrong_type_is_an_error(settings, value):
    settings.AWS_SNS_EVENT_TRUSTED_TOPIC_ARNS = value
    assert "django_ses.E030" in ids()


def test_a_topic_allow_list_entry_that_is_not_an_arn_is_an_error(settings):
    settings.AWS_SES_ALLOWED_TOPIC_ARNS = ["ses-events"]
    assert "django_ses.E031" in ids()


def test_two_different_allow_lists_warn(settings):
    settings.AWS_SNS_EVENT_TRUSTED_TOPIC_ARNS = "arn:aws:sns:us-east-1:123456789012:a"
    settings.AWS_SES_ALLOWED_TOPIC_ARNS = "arn:aws:sns:us-east-1:123456789012:b"
    assert "django_ses.W031" in ids()


@pytest.mark.parametrize("setting", ["AWS_SNS_EVENT_CERT_TRUSTED_DOMAINS", "EVENT_CERT_DOMAINS"])
def test_trusted_certificate_domains_of_the_wrong_type_are_an_error(settings, setting):
    setattr(settings, setting, 42)
    assert "django_ses.E032" in ids()


@pytest.mark.parametrize("secret", ["no-colon", ":password-only", 1234])
def test_a_malformed_webhook_secret_is_an_error(settings, secret):
    settings.AWS_SES_WEBHOOK_SECRET = secret
    assert "django_ses.E033" in ids()


def test_a_well_formed_webhook_secret_passes(settings):
    settings.AWS_SES_WEBHOOK_SECRET = "sns:secret"
    assert "django_ses.E033" not in ids()


@pytest.mark.parametrize("max_age", [0, -5, "3600", True])
def test_a_bad_max_age_is_an_error(settings, max_age):
    settings.AWS_SES_SNS_MAX_AGE = max_age
    assert "django_ses.E034" in ids()


def _check_output(*args: str) -> str:
    err = io.StringIO()
    call_command("check", *args, stdout=io.StringIO(), stderr=err)
    return err.getvalue()


def test_turning_verification_off_is_a_deployment_warning(settings):
    settings.AWS_SES_VERIFY_EVENT_SIGNATURES = False
    deployment = [m.id for m in checks.run_checks(include_deployment_checks=True)]
    everyday = [m.id for m in checks.run_checks()]
    assert "django_ses.W032" in deployment
    assert "django_ses.W032" not in everyday


def test_check_deploy_shows_that_verification_is_off(settings):
    settings.AWS_SES_VERIFY_EVENT_SIGNATURES = False
    assert "(django_ses.W032) SNS signature verification is off" in _check_output("--deploy")
    assert "django_ses.W032" not in _check_output()


def test_verification_on_is_not_a_deployment_warning(settings):
    settings.AWS_SES_VERIFY_EVENT_SIGNATURES = True
    assert "django_ses.W032" not in _check_output("--deploy")


def test_the_verification_warning_is_tagged_for_the_event_commands(settings):
    settings.AWS_SES_VERIFY_EVENT_SIGNATURES = False
    tagged = checks.run_checks(tags=[EVENTS_TAG], include_deployment_checks=True)
    assert [m.id for m in tagged] == ["django_ses.W032"]


@pytest.mark.parametrize("package", ["requests", "cryptography"])
def test_missing_extras_are_an_error_naming_the_extra(monkeypatch, package):
    monkeypatch.setitem(sys.modules, package, None)
    (error,) = [m for m in check_webhook_settings() if m.id == "django_ses.E035"]
    assert package in error.msg
    assert "django-ses[events]" in (error.hint or "")


@override_settings(ROOT_URLCONF=__name__)
def test_a_webhook_routed_in_a_project_urlconf_is_found():
    clear_url_caches()
    try:
        assert "django_ses.W030" in ids()
    finally:
        clear_url_caches()
