"""SNS subscription confirmations: confirmed through SNS ConfirmSubscription
(against the local moto server), never by fetching the SubscribeURL."""

from __future__ import annotations

import boto3
import pytest

from django_ses.models import SNSNotification
from tests.sns_signing import TOPIC_ARN

pytestmark = pytest.mark.django_db

EU_TOPIC_ARN = "arn:aws:sns:eu-west-1:123456789012:ses-events-eu"
TOKEN = "2336412f37fb687f5d51e6e241d09c805a5a57b30d712f794cc5f6a988666d92"


def create_topic(aws, topic_arn: str) -> None:
    region, name = topic_arn.split(":")[3], topic_arn.split(":")[5]
    boto3.client("sns", region_name=region, endpoint_url=aws.url).create_topic(Name=name)


def confirmations(aws):
    return aws.calls("sns", "ConfirmSubscription")


@pytest.mark.parametrize("version", ["1", "2"])
def test_a_subscription_is_confirmed_through_the_sns_api(aws, sns, version):
    create_topic(aws, TOPIC_ARN)
    confirmation = sns.signer.subscription_confirmation(version=version, token=TOKEN)
    response = sns.post(confirmation)
    assert response.status_code == 200
    (call,) = confirmations(aws)
    assert call.params["TopicArn"] == TOPIC_ARN
    assert call.params["Token"] == TOKEN
    assert call.params["AuthenticateOnUnsubscribe"] == "true"
    assert call.region == "us-east-1"


def test_the_subscribe_url_is_never_fetched(aws, sns):
    create_topic(aws, TOPIC_ARN)
    assert sns.post(sns.signer.subscription_confirmation()).status_code == 200
    assert [call.request.url for call in sns.mock.calls] == [sns.signer.cert_url]


def test_the_subscription_is_confirmed_in_the_topics_region(aws, sns):
    create_topic(aws, EU_TOPIC_ARN)
    response = sns.post(sns.signer.subscription_confirmation(topic_arn=EU_TOPIC_ARN))
    assert response.status_code == 200
    (call,) = confirmations(aws)
    assert call.region == "eu-west-1"
    assert call.params["TopicArn"] == EU_TOPIC_ARN


def test_the_configured_credentials_sign_the_confirmation(aws, sns, settings):
    settings.AWS_SES_ACCESS_KEY_ID = "AKIDSESWEBHOOK"
    settings.AWS_SES_SECRET_ACCESS_KEY = "secret"
    create_topic(aws, TOPIC_ARN)
    assert sns.post(sns.signer.subscription_confirmation()).status_code == 200
    (call,) = confirmations(aws)
    assert "Credential=AKIDSESWEBHOOK/" in call.headers["authorization"]


def test_a_subscription_is_not_confirmed_when_auto_confirm_is_off(aws, sns, settings):
    settings.AWS_SES_AUTO_CONFIRM_SNS_SUBSCRIPTIONS = False
    create_topic(aws, TOPIC_ARN)
    assert sns.post(sns.signer.subscription_confirmation()).status_code == 200
    assert confirmations(aws) == []


def test_a_subscription_from_a_topic_off_the_allow_list_is_not_confirmed(aws, sns, settings):
    settings.AWS_SNS_EVENT_TRUSTED_TOPIC_ARNS = [EU_TOPIC_ARN]
    create_topic(aws, TOPIC_ARN)
    assert sns.post(sns.signer.subscription_confirmation()).status_code == 400
    assert confirmations(aws) == []


def test_a_subscription_from_an_allowed_topic_is_confirmed(aws, sns, settings):
    settings.AWS_SES_ALLOWED_TOPIC_ARNS = TOPIC_ARN
    create_topic(aws, TOPIC_ARN)
    assert sns.post(sns.signer.subscription_confirmation()).status_code == 200
    assert len(confirmations(aws)) == 1


def test_a_forged_subscription_confirmation_is_not_confirmed(aws, sns):
    create_topic(aws, TOPIC_ARN)
    confirmation = sns.signer.subscription_confirmation()
    confirmation["Token"] = "attacker-token"
    assert sns.post(confirmation).status_code == 400
    assert confirmations(aws) == []


def test_a_failed_confirmation_answers_503_so_sns_retries(aws, sns):
    aws.fail("sns", "ConfirmSubscription", "InternalError", status=500)
    response = sns.post(sns.signer.subscription_confirmation())
    assert response.status_code == 503
    assert b"Traceback" not in response.content


def test_a_confirmation_for_an_unknown_topic_answers_503(aws, sns):
    # moto answers NotFound: the topic does not exist in this account.
    assert sns.post(sns.signer.subscription_confirmation()).status_code == 503


def test_an_unsubscribe_confirmation_never_resubscribes(aws, sns):
    create_topic(aws, TOPIC_ARN)
    confirmation = sns.signer.subscription_confirmation(message_type="UnsubscribeConfirmation")
    assert sns.post(confirmation).status_code == 200
    assert confirmations(aws) == []
    assert [call.request.url for call in sns.mock.calls] == [sns.signer.cert_url]


def test_confirmations_are_not_recorded_as_notifications(aws, sns):
    create_topic(aws, TOPIC_ARN)
    assert sns.post(sns.signer.subscription_confirmation()).status_code == 200
    assert not SNSNotification.objects.exists()
