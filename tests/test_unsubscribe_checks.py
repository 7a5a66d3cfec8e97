"""System checks of the unsubscribe and list management settings (django_ses.E110-E119, W110-)."""

from __future__ import annotations

import pytest
from django.test import override_settings

from django_ses.checks.unsubscribe import (
    check_unsubscribe_settings,
    check_unsubscribe_url_scheme,
)

HTTPS = "https://www.example.com"


def ids() -> list[str]:
    messages = [*check_unsubscribe_settings(), *check_unsubscribe_url_scheme()]
    return [message.id for message in messages if message.id]


def test_the_test_settings_pass_every_check():
    assert ids() == []


@override_settings(
    USE_SES_V2=True,
    AWS_SES_LIST_MANAGEMENT_OPTIONS={"ContactListName": "Newsletter", "TopicName": "weekly"},
)
def test_good_list_management_options_pass():
    assert ids() == []


@pytest.mark.parametrize(
    "value", ["Newsletter", {}, {"ContactListName": ""}, {"ContactListName": "N", "Topic": "w"}]
)
def test_bad_list_management_options_are_an_error(value):
    with override_settings(USE_SES_V2=True, AWS_SES_LIST_MANAGEMENT_OPTIONS=value):
        assert ids() == ["django_ses.E110"]


@override_settings(AWS_SES_LIST_MANAGEMENT_OPTIONS={"ContactListName": "Newsletter"})
def test_list_management_on_ses_v1_is_an_error():
    assert ids() == ["django_ses.E111"]


@override_settings(AWS_SES_UNSUBSCRIBE_BASE_URL=HTTPS, AWS_SES_USE_BLACKLIST=True)
def test_an_https_base_url_with_a_routed_view_and_the_blacklist_on_passes():
    assert ids() == []


@pytest.mark.parametrize("value", ["www.example.com", "/unsubscribe", "ftp://example.com"])
def test_a_base_url_that_is_not_absolute_http_is_an_error(value):
    with override_settings(AWS_SES_UNSUBSCRIBE_BASE_URL=value):
        assert ids() == ["django_ses.E112"]


@override_settings(AWS_SES_UNSUBSCRIBE_BASE_URL="http://localhost:8000", AWS_SES_USE_BLACKLIST=True)
def test_a_plain_http_base_url_is_a_deployment_warning():
    from django.core import checks

    assert ids() == ["django_ses.W110"]
    assert "django_ses.W110" not in [m.id for m in checks.run_checks()]
    assert "django_ses.W110" in [m.id for m in checks.run_checks(include_deployment_checks=True)]


@override_settings(
    AWS_SES_UNSUBSCRIBE_BASE_URL=HTTPS,
    AWS_SES_UNSUBSCRIBE_URL_NAME="no-such-url",
    AWS_SES_USE_BLACKLIST=True,
)
def test_a_url_name_without_a_pattern_is_an_error():
    assert ids() == ["django_ses.E113"]


@override_settings(AWS_SES_UNSUBSCRIBE_BASE_URL=HTTPS)
def test_blacklisting_unsubscribers_without_using_the_blacklist_is_a_warning():
    assert ids() == ["django_ses.W111"]


@override_settings(AWS_SES_UNSUBSCRIBE_BASE_URL=HTTPS, AWS_SES_UNSUBSCRIBE_BLACKLIST=False)
def test_handling_unsubscribes_yourself_needs_no_blacklist():
    assert ids() == []


@pytest.mark.parametrize("value", [0, -1, "90", True])
def test_a_bad_max_age_is_an_error(value):
    with override_settings(AWS_SES_UNSUBSCRIBE_MAX_AGE_DAYS=value):
        assert ids() == ["django_ses.E114"]


@pytest.mark.parametrize("value", ["", None, b"salt"])
def test_a_bad_salt_is_an_error(value):
    with override_settings(AWS_SES_UNSUBSCRIBE_SALT=value):
        assert ids() == ["django_ses.E115"]
