"""The SNS signing certificate as the webhook fetches it: one PEM of at most 10 KB,
from an SNS host written in any case."""

from __future__ import annotations

import pytest

from django_ses.models import SNSNotification
from tests.sns_signing import SNSSigner
from tests.test_webhook import SEND_EVENT, assert_refused

pytestmark = pytest.mark.django_db

PATH = "/SimpleNotificationService-0123456789abcdef0123456789abcdef.pem"


def serve(sns, signer: SNSSigner, url: str, body: bytes) -> None:
    sns.mock.add(sns.mock.GET, url, body=body, status=200, content_type="application/x-pem-file")


def test_an_upper_case_certificate_host_is_fetched_lower_cased_and_verifies(sns, signals_sent):
    signer = SNSSigner("https://SNS.US-EAST-1.AMAZONAWS.COM" + PATH, key=sns.signer.key)
    serve(sns, signer, "https://sns.us-east-1.amazonaws.com" + PATH, signer.cert_pem)

    response = sns.post(signer.notification(SEND_EVENT))

    assert response.status_code == 200
    assert [call.request.url for call in sns.mock.calls] == [
        "https://sns.us-east-1.amazonaws.com" + PATH
    ]
    assert "send_received" in signals_sent.names


@pytest.mark.parametrize(
    "host",
    ["sns.us-east-1.amazonaws.com.", "sns\uff0eus-east-1.amazonaws.com", "SNS.US-EAST-1.EVIL.COM"],
)
def test_other_disguises_of_the_host_are_still_refused(sns, signals_sent, host):
    signer = SNSSigner(f"https://{host}{PATH}", key=sns.signer.key)
    assert_refused(sns.post(signer.notification(SEND_EVENT)), 400, signals_sent)
    assert len(sns.mock.calls) == 0


@pytest.mark.parametrize(
    "wrap",
    [
        lambda pem: b"<html><body><pre>" + pem + b"</pre></body></html>",
        lambda pem: b'<?xml version="1.0"?><cert>' + pem + b"</cert>",
        lambda pem: pem + pem,
    ],
    ids=["html", "xml", "two certificates"],
)
def test_a_body_that_is_not_exactly_one_pem_certificate_is_refused(sns, signals_sent, wrap):
    signer = SNSSigner("https://sns.us-east-1.amazonaws.com" + PATH, key=sns.signer.key)
    serve(sns, signer, signer.cert_url, wrap(signer.cert_pem))

    response = sns.post(signer.notification(SEND_EVENT))

    assert response.status_code == 503  # a failed fetch is transient: SNS retries
    assert signals_sent.calls == []
    assert not SNSNotification.objects.exists()


def test_a_body_over_10_kb_is_refused_even_when_it_holds_a_certificate(sns, signals_sent):
    signer = SNSSigner("https://sns.us-east-1.amazonaws.com" + PATH, key=sns.signer.key)
    body = signer.cert_pem + b"\n" + b"A" * (10 * 1024)
    serve(sns, signer, signer.cert_url, body)

    response = sns.post(signer.notification(SEND_EVENT))

    assert response.status_code == 503
    assert signals_sent.calls == []


def test_a_trusted_url_is_checked_again_when_the_trusted_domains_change(
    sns, signals_sent, settings
):
    assert sns.notify(SEND_EVENT).status_code == 200  # the URL passed, and is remembered

    settings.AWS_SNS_EVENT_CERT_TRUSTED_DOMAINS = ["sns.eu-west-1.amazonaws.com"]
    assert sns.notify(SEND_EVENT).status_code == 400

    del settings.AWS_SNS_EVENT_CERT_TRUSTED_DOMAINS
    assert sns.notify(SEND_EVENT).status_code == 200
    assert SNSNotification.objects.count() == 2
    assert signals_sent.names.count("send_received") == 2


def test_the_certificate_is_fetched_once_for_many_messages(sns):
    for _ in range(5):
        assert sns.notify(SEND_EVENT).status_code == 200

    assert len(sns.mock.calls) == 1
