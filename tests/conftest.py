"""Shared fixtures: the local SES of django_ses.testing for every test session."""

from __future__ import annotations

import os
from collections.abc import Iterator

import pytest
import responses
from django.conf import settings
from django.db import connection
from django.test import Client

from django_ses.testing.session import session_local_ses
from tests.aws import LocalAWS
from tests.sns_signing import SignalLog, SNSDelivery, shared_signer

# The fixtures users enable in their own suites (local_ses, ses_events…).
pytest_plugins = ["django_ses.testing.pytest_plugin"]

# boto3 anywhere in the process (SES, SNS, S3) talks to the local AWS only.
os.environ.setdefault("AWS_ACCESS_KEY_ID", "testing")
os.environ.setdefault("AWS_SECRET_ACCESS_KEY", "testing")
os.environ.setdefault("AWS_DEFAULT_REGION", "us-east-1")
os.environ.pop("AWS_PROFILE", None)


@pytest.fixture(scope="session", autouse=True)
def _local_aws_server() -> Iterator[LocalAWS]:
    """The session's local SES (django_ses.testing), as users' suites get it."""
    _AWS = session_local_ses()
    os.environ["AWS_ENDPOINT_URL_SNS"] = _AWS.url
    os.environ["AWS_ENDPOINT_URL_S3"] = _AWS.url
    os.environ["AWS_ENDPOINT_URL_SES"] = _AWS.url
    os.environ["AWS_ENDPOINT_URL_SESV2"] = _AWS.url
    settings.AWS_SES_REGION_ENDPOINT_URL = _AWS.url
    yield _AWS


@pytest.fixture(autouse=True)
def _fresh_aws(_local_aws_server: LocalAWS) -> Iterator[None]:
    """Each test starts with an empty moto and no recorded calls or injected errors."""
    _local_aws_server.reset()
    yield


@pytest.fixture
def aws(_local_aws_server: LocalAWS) -> LocalAWS:
    """The local AWS: ``aws.url``, ``aws.calls()``, ``aws.sent_messages()``, ``aws.fail()``…"""
    return _local_aws_server


@pytest.fixture
def ses_identity(aws: LocalAWS) -> str:
    """A verified sender domain in moto's SES (us-east-1), returned as an address."""
    import boto3

    client = boto3.client("ses", region_name="us-east-1", endpoint_url=aws.url)
    client.verify_domain_identity(Domain="example.com")
    return "sender@example.com"


@pytest.fixture(autouse=True)
def _empty_certificate_cache() -> Iterator[None]:
    """SNS signing certificates cached by one test never leak into another."""
    from django_ses.sns_verification import clear_cert_cache

    clear_cert_cache()
    yield
    clear_cert_cache()


@pytest.fixture
def sns(client: Client) -> Iterator[SNSDelivery]:
    """Posts messages to the webhook signed as SNS signs them.

    Only the certificate URL answers over HTTP (through ``responses``): any
    other fetch, such as a SubscribeURL, raises.
    """
    with responses.RequestsMock(assert_all_requests_are_fired=False) as mock:
        yield SNSDelivery(client, mock, shared_signer())


@pytest.fixture
def signals_sent() -> Iterator[SignalLog]:
    """Records every django_ses signal sent during the test."""
    log = SignalLog()
    log.connect()
    yield log
    log.disconnect()


@pytest.fixture
def require_postgres(db: None) -> None:
    if connection.vendor != "postgresql":
        pytest.skip("needs PostgreSQL: set DATABASE_URL (as .ci/run does) to run this test")


@pytest.fixture
def require_redis() -> None:
    backend = settings.CACHES["default"]["BACKEND"]
    if "redis" not in backend.lower():
        pytest.skip("needs Redis: set REDIS_URL (as .ci/run does) to run this test")
