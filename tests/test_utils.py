"""``django_ses.utils``: django-ses 4.8.2's helpers, with its behaviour and our safety."""

from __future__ import annotations

import pytest

from django_ses import utils
from tests.sns_signing import TOPIC_ARN
from tests.test_webhook_subscriptions import EU_TOPIC_ARN, TOKEN, confirmations, create_topic

CERT_URL = "https://sns.us-east-1.amazonaws.com/SimpleNotificationService-0123456789abcdef.pem"


@pytest.mark.parametrize(
    "url",
    [CERT_URL, CERT_URL.upper().replace("HTTPS://", "https://").replace(".PEM", ".pem")],
)
def test_ses_regex_cert_url_matches_sns_certificate_urls_in_any_case(url):
    assert utils.SES_REGEX_CERT_URL.match(url)


@pytest.mark.parametrize(
    "url",
    [
        "http://sns.us-east-1.amazonaws.com/SimpleNotificationService-0123.pem",
        "https://sns.us-east-1.amazonaws.com.evil.example/SimpleNotificationService-0123.pem",
        "https://evil.example/sns.us-east-1.amazonaws.com/SimpleNotificationService-0123.pem",
        CERT_URL + "\n",
    ],
)
def test_ses_regex_cert_url_refuses_other_urls(url):
    assert not utils.SES_REGEX_CERT_URL.match(url)


def test_ses_regex_sns_endpoint_host_matches_sns_hosts_only():
    assert utils.SES_REGEX_SNS_ENDPOINT_HOST.match("sns.eu-west-1.amazonaws.com")
    assert utils.SES_REGEX_SNS_ENDPOINT_HOST.match("SNS.cn-north-1.amazonaws.com.cn")
    assert not utils.SES_REGEX_SNS_ENDPOINT_HOST.match("sns.eu-west-1.amazonaws.com.evil.example")
    assert not utils.SES_REGEX_SNS_ENDPOINT_HOST.match("sqs.eu-west-1.amazonaws.com")


def test_verify_event_topic_trusts_every_topic_without_an_allow_list():
    assert utils.verify_event_topic({"TopicArn": TOPIC_ARN}) is True


def test_verify_event_topic_follows_the_allow_list(settings):
    settings.AWS_SNS_EVENT_TRUSTED_TOPIC_ARNS = [EU_TOPIC_ARN]
    assert utils.verify_event_topic({"TopicArn": EU_TOPIC_ARN}) is True
    assert utils.verify_event_topic({"TopicArn": TOPIC_ARN}) is False
    assert utils.verify_event_topic({}) is False


@pytest.mark.parametrize(
    ("url", "trusted"),
    [
        ("https://sns.us-east-1.amazonaws.com/?Action=ConfirmSubscription&Token=x", True),
        ("http://sns.us-east-1.amazonaws.com/?Action=ConfirmSubscription", False),
        ("file:///etc/passwd", False),
        ("https://sns.us-east-1.amazonaws.com:8443/?Action=ConfirmSubscription", False),
        ("https://user@sns.us-east-1.amazonaws.com/?Action=ConfirmSubscription", False),
        ("https://sns.us-east-1.amazonaws.com.evil.example/", False),
        ("", False),
        (None, False),
    ],
)
def test_is_trusted_sns_subscribe_url(url, trusted):
    assert utils.is_trusted_sns_subscribe_url(url) is trusted


@pytest.mark.django_db
def test_confirm_sns_subscription_confirms_through_the_api_and_never_fetches(aws, sns):
    create_topic(aws, TOPIC_ARN)
    notification = sns.signer.subscription_confirmation(token=TOKEN)

    arn = utils.confirm_sns_subscription(notification)

    (call,) = confirmations(aws)
    assert call.params["TopicArn"] == TOPIC_ARN
    assert call.params["Token"] == TOKEN
    assert arn and arn.startswith(TOPIC_ARN)
    assert len(sns.mock.calls) == 0  # neither the SubscribeURL nor anything else was fetched


@pytest.mark.django_db
def test_confirm_sns_subscription_refuses_an_untrusted_topic(aws, sns, settings, caplog):
    settings.AWS_SNS_EVENT_TRUSTED_TOPIC_ARNS = [EU_TOPIC_ARN]
    create_topic(aws, TOPIC_ARN)

    assert utils.confirm_sns_subscription(sns.signer.subscription_confirmation()) is None
    assert confirmations(aws) == []
    assert "untrusted topic" in caplog.text


@pytest.mark.django_db
def test_confirm_sns_subscription_logs_a_failure_and_returns_none(aws, sns, caplog):
    # No such topic on the local SNS: ConfirmSubscription fails.
    notification = sns.signer.subscription_confirmation(topic_arn=EU_TOPIC_ARN, token=TOKEN)

    assert utils.confirm_sns_subscription(notification) is None
    assert len(confirmations(aws)) >= 1
    assert "Could not confirm" in caplog.text
