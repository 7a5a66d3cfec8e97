"""The deprecated function view ``django_ses.views.handle_bounce``."""

from __future__ import annotations

import json
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import boto3
import pytest
import responses
from django.test import Client
from django.urls import reverse

from django_ses import utils
from django_ses.views import handle_bounce
from tests.sns_signing import TOPIC_ARN, SNSDelivery, shared_signer

pytestmark = pytest.mark.django_db

BOUNCE = json.loads(
    (
        Path(__file__).parent / "fixtures" / "ses_events" / "notification_bounce_with_dsn.json"
    ).read_text()
)


@pytest.fixture
def legacy(client: Client) -> Iterator[SNSDelivery]:
    with responses.RequestsMock(assert_all_requests_are_fired=False) as mock:
        yield SNSDelivery(client, mock, shared_signer(), url=reverse("django_ses_bounce"))


def test_handle_bounce_warns_that_it_is_deprecated(legacy):
    with pytest.deprecated_call(match="SESEventWebhookView"):
        assert legacy.notify(BOUNCE).status_code == 200


def test_handle_bounce_fires_signals_with_itself_as_sender(legacy, signals_sent):
    with pytest.deprecated_call():
        legacy.notify(BOUNCE)
    assert signals_sent.names == ["bounce_received", "event_received"]
    sent = signals_sent.kwargs("bounce_received")
    assert sent["sender"] is handle_bounce
    assert sent["bounce_obj"] == BOUNCE["bounce"]
    assert sent["mail_obj"] == BOUNCE["mail"]


def test_handle_bounce_needs_no_csrf_token():
    with responses.RequestsMock(assert_all_requests_are_fired=False) as mock:
        legacy = SNSDelivery(
            Client(enforce_csrf_checks=True),
            mock,
            shared_signer(),
            url=reverse("django_ses_bounce"),
        )
        with pytest.deprecated_call():
            assert legacy.notify(BOUNCE).status_code == 200


def test_handle_bounce_refuses_a_forged_message(legacy, signals_sent):
    message = legacy.signer.notification(BOUNCE)
    message["Message"] = json.dumps({**BOUNCE, "mail": {}})
    with pytest.deprecated_call():
        assert legacy.post(message).status_code == 400
    assert signals_sent.calls == []


def test_handle_bounce_only_accepts_post(client):
    with pytest.deprecated_call():
        assert client.get(reverse("django_ses_bounce")).status_code == 405


def test_handle_bounce_never_resubscribes_on_unsubscribe_confirmation(aws, legacy):
    boto3.client("sns", region_name="us-east-1", endpoint_url=aws.url).create_topic(
        Name=TOPIC_ARN.split(":")[5]
    )
    confirmation = legacy.signer.subscription_confirmation(message_type="UnsubscribeConfirmation")
    with pytest.deprecated_call():
        assert legacy.post(confirmation).status_code == 200
    assert aws.calls("sns", "ConfirmSubscription") == []
    assert [call.request.url for call in legacy.mock.calls] == [legacy.signer.cert_url]


def test_handle_bounce_honours_a_patched_verify_bounce_message(client, signals_sent, monkeypatch):
    seen: list[Any] = []
    monkeypatch.setattr(utils, "verify_bounce_message", lambda n: seen.append(n) or True)
    message = {
        "Type": "Notification",
        "MessageId": "legacy-unsigned",
        "TopicArn": TOPIC_ARN,
        "Message": json.dumps(BOUNCE),
        "Timestamp": "2024-01-01T00:00:00.000Z",
    }
    with pytest.deprecated_call():
        response = client.post(
            reverse("django_ses_bounce"), json.dumps(message), content_type="text/plain"
        )
    assert response.status_code == 200
    assert seen == [message]
    assert "bounce_received" in signals_sent.names


def test_handle_bounce_is_reachable_under_login_required_middleware(settings):
    settings.MIDDLEWARE = [
        *settings.MIDDLEWARE,
        "django.contrib.auth.middleware.LoginRequiredMiddleware",
    ]
    with responses.RequestsMock(assert_all_requests_are_fired=False) as mock:
        legacy = SNSDelivery(Client(), mock, shared_signer(), url=reverse("django_ses_bounce"))
        with pytest.deprecated_call():
            assert legacy.notify(BOUNCE).status_code == 200
