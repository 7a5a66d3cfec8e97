"""System checks of the sending settings (django_ses.E001-E029, W001-W029)."""

from __future__ import annotations

import os
import subprocess
import sys
import textwrap
from pathlib import Path

import pytest
from botocore.config import Config
from cryptography.hazmat.primitives import serialization
from cryptography.hazmat.primitives.asymmetric import rsa
from django.test import override_settings

from django_ses.checks.sending import check_sending_settings

ROOT = Path(__file__).resolve().parent.parent


def ids() -> list[str]:
    return [message.id for message in check_sending_settings() if message.id]


def test_the_test_settings_pass_every_check():
    assert ids() == []


@override_settings(AWS_SES_GLOBAL_ENDPOINT_ID="abcdef12.g3h")
def test_global_endpoint_without_v2_is_an_error():
    assert "django_ses.E001" in ids()


@override_settings(
    USE_SES_V2=True,
    AWS_SES_GLOBAL_ENDPOINT_ID="abcdef12.g3h",
    AWS_SES_REGION_ENDPOINT="email.us-east-1.amazonaws.com",
)
def test_a_region_endpoint_next_to_a_global_endpoint_is_reported_as_ignored():
    assert "django_ses.W003" in ids()
    assert "django_ses.E001" not in ids()


def test_global_endpoint_without_the_crt_signer_is_an_error(tmp_path):
    # botocore reads BOTO_DISABLE_CRT when it is imported: a fresh process
    # without the CRT, as on a machine where awscrt is not installed.
    (tmp_path / "crtless_settings.py").write_text(
        textwrap.dedent(
            """
            from tests.settings import *  # noqa: F403
            USE_SES_V2 = True
            AWS_SES_GLOBAL_ENDPOINT_ID = "abcdef12.g3h"
            """
        )
    )
    env = {
        **os.environ,
        "BOTO_DISABLE_CRT": "true",
        "PYTHONPATH": os.pathsep.join([str(tmp_path), str(ROOT)]),
        "DJANGO_SETTINGS_MODULE": "crtless_settings",
    }
    result = subprocess.run(
        [sys.executable, "-m", "django", "check"],
        env=env,
        cwd=ROOT,
        capture_output=True,
        text=True,
        timeout=120,
    )

    assert result.returncode != 0
    assert "django_ses.E002" in result.stderr
    assert "awscrt" in result.stderr


@pytest.mark.parametrize(
    ("host", "check_id"),
    [
        ("email-smtp.us-east-1.amazonaws.com", "django_ses.E003"),
        ("https://email.us-east-1.amazonaws.com", "django_ses.E004"),
        ("email.us-west-2.amazonaws.com", "django_ses.W004"),
    ],
)
def test_bad_region_endpoint_hosts_are_reported(settings, host, check_id):
    settings.AWS_SES_REGION_ENDPOINT = host

    assert check_id in ids()


def test_a_matching_region_endpoint_host_passes(settings):
    settings.AWS_SES_REGION_NAME = "us-west-2"
    settings.AWS_SES_REGION_ENDPOINT = "email.us-west-2.amazonaws.com"

    assert ids() == []


@override_settings(AWS_SES_REGION_ENDPOINT_URL="email.us-east-1.amazonaws.com")
def test_an_endpoint_url_without_scheme_is_an_error():
    assert "django_ses.E005" in ids()


@pytest.fixture(scope="module")
def pem_key() -> str:
    key = rsa.generate_private_key(public_exponent=65537, key_size=2048)
    return key.private_bytes(
        serialization.Encoding.PEM,
        serialization.PrivateFormat.TraditionalOpenSSL,
        serialization.NoEncryption(),
    ).decode()


def test_dkim_settings_without_dkimpy_are_an_error(settings, monkeypatch, pem_key):
    monkeypatch.setitem(sys.modules, "dkim", None)  # as if dkimpy were not installed
    settings.DKIM_DOMAIN = "example.com"
    settings.DKIM_PRIVATE_KEY = pem_key

    assert "django_ses.E006" in ids()


def test_valid_dkim_settings_pass(settings, pem_key):
    settings.DKIM_DOMAIN = "example.com"
    settings.DKIM_PRIVATE_KEY = pem_key
    settings.DKIM_HEADERS = "From, To, Subject"

    assert ids() == []


@override_settings(DKIM_DOMAIN="example.com")
def test_a_dkim_domain_without_a_key_is_an_error():
    assert "django_ses.E007" in ids()


@override_settings(DKIM_DOMAIN="example.com", DKIM_PRIVATE_KEY="xxxxxxxxxxx")
def test_an_unusable_dkim_key_is_an_error():
    assert "django_ses.E008" in ids()


@pytest.mark.parametrize("tags", [{"bad name": "x"}, {"ok": "bad value"}, ["not", "a", "mapping"]])
def test_invalid_default_tags_are_an_error(settings, tags):
    settings.AWS_SES_DEFAULT_TAGS = tags

    assert "django_ses.E009" in ids()


@pytest.mark.parametrize(
    ("factor", "expected"),
    [("fast", "django_ses.E010"), (-0.5, "django_ses.E010"), (2, "django_ses.W001")],
)
def test_bad_auto_throttle_factors_are_reported(settings, factor, expected):
    settings.AWS_SES_AUTO_THROTTLE = factor

    assert expected in ids()


@pytest.mark.parametrize("factor", [None, 0.5, 1])
def test_sensible_auto_throttle_factors_pass(settings, factor):
    settings.AWS_SES_AUTO_THROTTLE = factor

    assert ids() == []


@override_settings(AWS_SES_MAX_SEND_RATE="fourteen")
def test_a_bad_max_send_rate_is_an_error():
    assert "django_ses.E011" in ids()


@override_settings(AWS_SES_RATE_LIMIT_CACHE="nonexistent")
def test_a_rate_limit_cache_that_is_not_in_caches_is_an_error():
    assert "django_ses.E016" in ids()


@pytest.mark.parametrize("value", [42, "", ["a-set"]])
def test_a_bad_configuration_set_is_an_error(settings, value):
    settings.AWS_SES_CONFIGURATION_SET = value

    assert "django_ses.E012" in ids()


@pytest.mark.parametrize("value", ["my-set", lambda message, **kwargs: "my-set"])
def test_a_configuration_set_name_or_callable_passes(settings, value):
    settings.AWS_SES_CONFIGURATION_SET = value

    assert ids() == []


def test_aws_ses_config_must_be_a_botocore_config(settings):
    settings.AWS_SES_CONFIG = {"retries": {"max_attempts": 3}}
    assert "django_ses.E013" in ids()

    settings.AWS_SES_CONFIG = Config(retries={"max_attempts": 3})
    assert ids() == []


@override_settings(AWS_SES_FROM_EMAIL="not-an-address")
def test_an_invalid_envelope_sender_is_an_error():
    assert "django_ses.E014" in ids()


@override_settings(AWS_SES_RETURN_PATH="bounces@example.com")
def test_return_path_on_v1_is_reported_as_ignored():
    assert ids() == ["django_ses.W002"]


@override_settings(AWS_SES_SOURCE_ARN="example.com")
def test_an_arn_setting_that_is_not_an_arn_is_an_error():
    assert "django_ses.E015" in ids()
