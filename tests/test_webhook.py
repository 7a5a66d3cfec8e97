"""The SNS webhook: what it accepts, what it refuses, and with which status.

SNS treats 200-499 as delivered and retries 5xx, so the status codes are the
contract: 400 malformed, forged or not allowed (as in django-ses), 401 basic auth
missing, 403 wrong basic-auth credentials, 405 wrong method, 5xx transient."""

from __future__ import annotations

import base64
import json
import logging
import sys
import time
from typing import Any

import pytest
import requests
import responses
from django.test import Client
from freezegun import freeze_time

from django_ses import utils
from django_ses.models import SNSNotification
from django_ses.sns_verification import CERT_FAILURE_TTL, MAX_BODY_BYTES
from tests.sns_signing import CERT_URL, TOPIC_ARN, SignalLog, SNSDelivery, SNSSigner, shared_signer

pytestmark = pytest.mark.django_db

SEND_EVENT = {
    "eventType": "Send",
    "mail": {"messageId": "ses-1", "destination": ["to@example.com"]},
    "send": {},
}


def unsigned_send_notification(message_id: str) -> dict[str, Any]:
    """A Send event notification as SNS would post it, but without a signature."""
    return {
        "Type": "Notification",
        "MessageId": message_id,
        "TopicArn": TOPIC_ARN,
        "Message": json.dumps(SEND_EVENT),
        "Timestamp": "2024-01-01T00:00:00.000Z",
    }


def assert_refused(response: Any, status: int, signals_sent: SignalLog) -> None:
    assert response.status_code == status
    assert signals_sent.calls == []
    assert not SNSNotification.objects.exists()
    assert b"Traceback" not in response.content


# -- accepted ------------------------------------------------------------------------------


def test_a_signed_notification_is_processed(sns, signals_sent):
    response = sns.notify(SEND_EVENT)
    assert response.status_code == 200
    assert signals_sent.names == ["send_received", "event_received"]


@pytest.mark.parametrize("version", ["1", "2"])
def test_both_signature_versions_are_accepted(sns, signals_sent, version):
    assert sns.notify(SEND_EVENT, version=version).status_code == 200


def test_the_message_type_header_is_optional(sns):
    message = sns.signer.notification(SEND_EVENT)
    assert sns.post(message, message_type=False).status_code == 200


# -- methods, CSRF, login ------------------------------------------------------------------


@pytest.mark.parametrize("method", ["get", "put", "delete", "patch", "options", "head"])
def test_only_post_is_allowed(client, method):
    response = getattr(client, method)("/ses/event-webhook/")
    assert response.status_code == 405


def test_the_webhook_needs_no_csrf_token():
    csrf_client = Client(enforce_csrf_checks=True)
    with responses.RequestsMock(assert_all_requests_are_fired=False) as mock:
        sns = SNSDelivery(csrf_client, mock, shared_signer())
        assert sns.notify(SEND_EVENT).status_code == 200


def test_the_webhook_is_reachable_under_login_required_middleware(settings):
    settings.MIDDLEWARE = [
        *settings.MIDDLEWARE,
        "django.contrib.auth.middleware.LoginRequiredMiddleware",
    ]
    with responses.RequestsMock(assert_all_requests_are_fired=False) as mock:
        sns = SNSDelivery(Client(), mock, shared_signer())
        assert sns.notify(SEND_EVENT).status_code == 200


# -- malformed: 400 ------------------------------------------------------------------------


def _valid() -> dict[str, Any]:
    return shared_signer().notification(SEND_EVENT)


def _without(key: str) -> dict[str, Any]:
    message = _valid()
    del message[key]
    return message


def _with(**changes: Any) -> dict[str, Any]:
    message = _valid()
    message.update(changes)
    return message


MALFORMED = {
    "not JSON": b"this is not json",
    "truncated JSON": b'{"Type": "Notification"',
    "a JSON array": b"[1, 2, 3]",
    "a JSON string": b'"Notification"',
    "JSON null": b"null",
    "not UTF-8": b'{"Type": "\xff\xfe"}',
    "deeply nested": b'{"a": ' * 200 + b"1" + b"}" * 200,
    "deeply nested array": b'{"a": ' + b"[" * 100 + b"]" * 100 + b"}",
    "NaN": b'{"Type": NaN}',
    "empty": b"",
    "no Type": _without("Type"),
    "no MessageId": _without("MessageId"),
    "no TopicArn": _without("TopicArn"),
    "no Message": _without("Message"),
    "no Timestamp": _without("Timestamp"),
    "no Signature": _without("Signature"),
    "no SigningCertURL": _without("SigningCertURL"),
    "no SignatureVersion": _without("SignatureVersion"),
    "MessageId not a string": _with(MessageId=12345),
    "Message an object": _with(Message={"eventType": "Send"}),
    "Type a list": _with(Type=["Notification"]),
    "Subject a number": _with(Subject=3),
    "Signature a number": _with(Signature=1),
    "Signature not base64": _with(Signature="%%% not base64 %%%"),
    "TopicArn not an ARN": _with(TopicArn="ses-events"),
    "MessageId too long": _with(MessageId="x" * 129),
    "MessageId with a newline": _with(MessageId="abc\ndef"),
    "a confirmation without Token": {
        k: v for k, v in shared_signer().subscription_confirmation().items() if k != "Token"
    },
}


@pytest.mark.parametrize("body", list(MALFORMED.values()), ids=list(MALFORMED))
def test_malformed_input_is_refused_with_400(sns, signals_sent, body):
    response = sns.post(body, message_type=False)
    assert_refused(response, 400, signals_sent)


@pytest.mark.parametrize(
    "body",
    [
        b'"' + b'\\"' * 400_000,
        b'{"a": ' + b"[" * 400_000,
        b"[" * 500_000 + b"]" * 500_000,
        b'{"Type": "' + b"\\u" * 300_000 + b'"}',
    ],
    ids=["escaped quotes", "unclosed arrays", "very deep arrays", "broken escapes"],
)
def test_pathological_bodies_are_refused_quickly(sns, signals_sent, body):
    started = time.monotonic()
    response = sns.post(body, message_type=False)
    assert time.monotonic() - started < 5
    assert_refused(response, 400, signals_sent)


def test_a_body_over_the_size_cap_is_refused_with_400(sns, signals_sent):
    message = sns.signer.notification({**SEND_EVENT, "padding": "x" * MAX_BODY_BYTES})
    assert_refused(sns.post(message), 400, signals_sent)


def test_a_declared_oversized_body_is_refused_before_it_is_read(sns, signals_sent):
    response = sns.post(_valid(), CONTENT_LENGTH=str(MAX_BODY_BYTES * 10))
    assert_refused(response, 400, signals_sent)


def test_a_message_type_header_that_contradicts_the_body_is_refused(sns, signals_sent):
    message = sns.signer.notification(SEND_EVENT)
    response = sns.post(message, message_type="SubscriptionConfirmation")
    assert_refused(response, 400, signals_sent)


@pytest.mark.parametrize(
    "header", ["HTTP_X_AMZ_SNS_MESSAGE_ID", "HTTP_X_AMZ_SNS_TOPIC_ARN"], ids=["id", "topic"]
)
def test_sns_headers_that_contradict_the_body_are_refused(sns, signals_sent, header):
    message = sns.signer.notification(SEND_EVENT)
    response = sns.post(message, **{header: "something-else"})
    assert_refused(response, 400, signals_sent)


# -- forged or not allowed: 400 ------------------------------------------------------------


def test_a_forged_signature_is_refused_with_400(sns, signals_sent):
    forger = SNSSigner(key=None)  # its own key, claiming SNS's certificate URL
    assert_refused(sns.post(forger.notification(SEND_EVENT)), 400, signals_sent)


def test_a_tampered_message_is_refused_with_400(sns, signals_sent):
    message = sns.signer.notification(SEND_EVENT)
    message["Message"] = json.dumps({**SEND_EVENT, "mail": {"messageId": "other"}})
    assert_refused(sns.post(message), 400, signals_sent)


def test_a_certificate_url_off_the_sns_hosts_is_refused_without_a_fetch(sns, signals_sent):
    evil = SNSSigner("https://evil.example/SimpleNotificationService-x.pem", key=sns.signer.key)
    assert_refused(sns.post(evil.notification(SEND_EVENT)), 400, signals_sent)
    assert len(sns.mock.calls) == 0


def test_an_unsupported_signature_version_is_refused_with_400(sns, signals_sent):
    message = sns.signer.notification(SEND_EVENT)
    message["SignatureVersion"] = "3"
    assert_refused(sns.post(message), 400, signals_sent)


@pytest.mark.parametrize(
    "setting", ["AWS_SNS_EVENT_TRUSTED_TOPIC_ARNS", "AWS_SES_ALLOWED_TOPIC_ARNS"]
)
def test_a_topic_outside_the_allow_list_is_refused_without_a_fetch(
    sns, signals_sent, settings, setting
):
    setattr(settings, setting, ["arn:aws:sns:us-east-1:123456789012:other-topic"])
    assert_refused(sns.notify(SEND_EVENT), 400, signals_sent)
    assert sns.certificate_fetches == 0


@pytest.mark.parametrize(
    "value", [TOPIC_ARN, [TOPIC_ARN], ("arn:aws:sns:us-east-1:123456789012:other", TOPIC_ARN)]
)
def test_a_topic_on_the_allow_list_is_processed(sns, signals_sent, settings, value):
    settings.AWS_SNS_EVENT_TRUSTED_TOPIC_ARNS = value
    assert sns.notify(SEND_EVENT).status_code == 200
    assert "send_received" in signals_sent.names


def test_a_message_older_than_the_max_age_is_refused(sns, signals_sent, settings):
    settings.AWS_SES_SNS_MAX_AGE = 60
    response = sns.notify(SEND_EVENT, timestamp="2020-01-01T00:00:00.000Z")
    assert_refused(response, 400, signals_sent)


def test_a_message_within_the_max_age_is_processed(sns, signals_sent, settings):
    settings.AWS_SES_SNS_MAX_AGE = 60
    assert sns.notify(SEND_EVENT).status_code == 200


def test_a_message_from_the_future_is_refused_with_a_max_age(sns, signals_sent, settings):
    settings.AWS_SES_SNS_MAX_AGE = 60
    response = sns.notify(SEND_EVENT, timestamp="2999-01-01T00:00:00.000Z")
    assert_refused(response, 400, signals_sent)


def test_an_unreadable_timestamp_is_malformed_with_a_max_age(sns, signals_sent, settings):
    settings.AWS_SES_SNS_MAX_AGE = 60
    assert_refused(sns.notify(SEND_EVENT, timestamp="yesterday"), 400, signals_sent)


def test_an_old_message_is_processed_without_a_max_age(sns, signals_sent):
    assert sns.notify(SEND_EVENT, timestamp="2020-01-01T00:00:00.000Z").status_code == 200


# -- basic auth ----------------------------------------------------------------------------


def _basic(credentials: str) -> str:
    return "Basic " + base64.b64encode(credentials.encode()).decode()


def test_without_credentials_the_webhook_challenges_for_basic_auth(sns, signals_sent, settings):
    settings.AWS_SES_WEBHOOK_SECRET = "sns:s3cret-pass"
    response = sns.notify(SEND_EVENT)
    assert_refused(response, 401, signals_sent)
    assert response["WWW-Authenticate"].startswith("Basic ")
    assert sns.certificate_fetches == 0


@pytest.mark.parametrize(
    "header",
    [_basic("sns:wrong"), _basic("other:s3cret-pass"), _basic("sns:s3cret-pas"), "Basic %%%"],
)
def test_wrong_credentials_are_refused_with_403(sns, signals_sent, settings, header):
    settings.AWS_SES_WEBHOOK_SECRET = "sns:s3cret-pass"
    response = sns.notify(SEND_EVENT, HTTP_AUTHORIZATION=header)
    assert_refused(response, 403, signals_sent)


def test_a_non_basic_authorization_is_challenged(sns, signals_sent, settings):
    settings.AWS_SES_WEBHOOK_SECRET = "sns:s3cret-pass"
    response = sns.notify(SEND_EVENT, HTTP_AUTHORIZATION="Bearer s3cret-pass")
    assert_refused(response, 401, signals_sent)


def test_the_right_credentials_are_accepted(sns, signals_sent, settings):
    settings.AWS_SES_WEBHOOK_SECRET = "sns:s3cret-pass"
    response = sns.notify(SEND_EVENT, HTTP_AUTHORIZATION=_basic("sns:s3cret-pass"))
    assert response.status_code == 200
    assert "send_received" in signals_sent.names


def test_the_secret_is_never_logged(sns, settings, caplog):
    settings.AWS_SES_WEBHOOK_SECRET = "sns:s3cret-pass"
    caplog.set_level(logging.DEBUG)
    sns.notify(SEND_EVENT, HTTP_AUTHORIZATION=_basic("sns:s3cret-pass-wrong"))
    sns.notify(SEND_EVENT, HTTP_AUTHORIZATION=_basic("sns:s3cret-pass"))
    assert "s3cret-pass" not in caplog.text
    assert base64.b64encode(b"sns:s3cret-pass").decode() not in caplog.text


# -- transient: 5xx ------------------------------------------------------------------------


def test_a_failed_certificate_fetch_answers_503_and_the_retry_succeeds(client, signals_sent):
    with responses.RequestsMock(assert_all_requests_are_fired=False) as mock:
        mock.add(mock.GET, CERT_URL, body=requests.ConnectionError("down"))
        sns = SNSDelivery(client, mock, shared_signer(), serve_certificate=False)
        message = sns.signer.notification(SEND_EVENT)
        with freeze_time() as clock:
            assert_refused(sns.post(message), 503, signals_sent)
            mock.replace(mock.GET, CERT_URL, body=sns.signer.cert_pem)
            clock.tick(CERT_FAILURE_TTL + 1)
            assert sns.post(message).status_code == 200
    assert "send_received" in signals_sent.names


@pytest.mark.parametrize("package", ["requests", "cryptography"])
def test_missing_extras_answer_5xx_with_a_clear_log(
    sns, signals_sent, monkeypatch, caplog, package
):
    message = sns.signer.notification(SEND_EVENT)
    monkeypatch.setitem(sys.modules, package, None)
    response = sns.post(message)
    assert response.status_code >= 500
    assert signals_sent.calls == []
    assert "django-ses[events]" in caplog.text


# -- verification switched off or patched --------------------------------------------------


def test_with_verification_off_unsigned_messages_are_processed(client, signals_sent, settings):
    settings.AWS_SES_VERIFY_EVENT_SIGNATURES = False
    message = unsigned_send_notification("unsigned-1")
    response = client.post("/ses/event-webhook/", json.dumps(message), content_type="text/plain")
    assert response.status_code == 200
    assert "send_received" in signals_sent.names


def test_the_old_setting_name_turns_verification_off_too(client, signals_sent, settings):
    settings.AWS_SES_VERIFY_BOUNCE_SIGNATURES = False
    message = unsigned_send_notification("unsigned-2")
    response = client.post("/ses/event-webhook/", json.dumps(message), content_type="text/plain")
    assert response.status_code == 200


def test_the_view_uses_utils_verify_event_message_as_patched_at_request_time(
    client, signals_sent, monkeypatch
):
    seen: list[dict[str, Any]] = []
    monkeypatch.setattr(utils, "verify_event_message", lambda n: seen.append(n) or True)
    message = unsigned_send_notification("patched-1")
    response = client.post("/ses/event-webhook/", json.dumps(message), content_type="text/plain")
    assert response.status_code == 200
    assert seen == [message]
    assert "send_received" in signals_sent.names


def test_a_patched_verifier_saying_no_gets_400(sns, signals_sent, monkeypatch):
    monkeypatch.setattr(utils, "verify_event_message", lambda n: False)
    assert_refused(sns.notify(SEND_EVENT), 400, signals_sent)


# -- ignored: 200 --------------------------------------------------------------------------


def test_a_notification_that_is_not_an_ses_record_is_ignored(sns, signals_sent):
    response = sns.notify("Hello world")
    assert response.status_code == 200
    assert signals_sent.calls == []


def test_an_unknown_sns_type_is_ignored_when_verification_is_off(client, signals_sent, settings):
    settings.AWS_SES_VERIFY_EVENT_SIGNATURES = False
    message = {"Type": "Surprise", "MessageId": "m-1", "TopicArn": TOPIC_ARN}
    response = client.post("/ses/event-webhook/", json.dumps(message), content_type="text/plain")
    assert response.status_code == 200
    assert signals_sent.calls == []


def test_an_unknown_sns_type_cannot_be_verified(sns, signals_sent):
    message = sns.signer.notification(SEND_EVENT)
    message["Type"] = "Surprise"
    assert_refused(sns.post(message, message_type=False), 400, signals_sent)


# -- logs ----------------------------------------------------------------------------------


def test_a_refusal_is_logged_with_message_id_topic_and_reason(sns, caplog, settings):
    settings.AWS_SNS_EVENT_TRUSTED_TOPIC_ARNS = ["arn:aws:sns:us-east-1:123456789012:other"]
    message = sns.signer.notification(SEND_EVENT, message_id="logged-message-id")
    with caplog.at_level(logging.WARNING, logger="django_ses"):
        sns.post(message)
    assert "logged-message-id" in caplog.text
    assert TOPIC_ARN in caplog.text
    assert "not in the allowed topic" in caplog.text


# -- misconfiguration fails closed and quietly ---------------------------------------------


def test_an_allow_list_of_the_wrong_type_refuses_every_topic(sns, signals_sent, settings):
    settings.AWS_SNS_EVENT_TRUSTED_TOPIC_ARNS = 42
    assert_refused(sns.notify(SEND_EVENT), 400, signals_sent)


def test_an_unusable_setting_answers_500_without_a_traceback(sns, signals_sent, settings):
    settings.AWS_SES_SNS_MAX_AGE = "an hour"
    response = sns.notify(SEND_EVENT)
    assert_refused(response, 500, signals_sent)
