"""django_ses.reporting.clients: short timeouts, the default mailer's settings, error codes."""

from __future__ import annotations

import pytest
from botocore.config import Config

from django_ses.exceptions import SESError, StatsError
from django_ses.reporting import clients


def test_clients_have_short_timeouts_and_few_attempts(settings):
    settings.AWS_SES_CONFIG = Config(read_timeout=30)
    config = clients.client_settings("ses").config
    assert config.connect_timeout == clients.CONNECT_TIMEOUT
    assert config.read_timeout == 30  # AWS_SES_CONFIG wins
    assert config.retries == {"total_max_attempts": clients.ATTEMPTS, "mode": "standard"}
    bulk = clients.client_settings("sesv2", clients.BULK_ATTEMPTS).config
    assert bulk.retries == {"total_max_attempts": clients.BULK_ATTEMPTS, "mode": "adaptive"}


def test_clients_follow_the_default_mailers_options(settings):
    settings.MAILERS = {
        "default": {"BACKEND": "django_ses.SESBackend", "OPTIONS": {"aws_region_name": "eu-west-2"}}
    }
    assert clients.client_settings("ses").region_name == "eu-west-2"


def test_a_failed_call_is_a_stats_error_with_the_aws_code(aws):
    aws.fail("sesv2", "GetAccount", "NotFoundException", "gone", status=404)
    with pytest.raises(StatsError) as caught:
        clients.call(clients.v2_client(), "GetAccount", "get_account")
    assert caught.value.code == "NotFoundException"
    assert isinstance(caught.value, SESError)
