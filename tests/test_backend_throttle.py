"""SESBackend with AWS_SES_AUTO_THROTTLE: the send rate measured at the server.

The quota comes from the local AWS (GetSendQuota for v1, GetAccount for v2,
answered with a chosen MaxSendRate); every send request's arrival time is
recorded by the local AWS itself (``Call.received_at``). Over any one-second
window, the recipients that arrived must stay within MaxSendRate x
AWS_SES_AUTO_THROTTLE.
"""

from __future__ import annotations

import logging
import threading
import time
import uuid
from collections.abc import Iterator, Sequence

import pytest
from botocore.config import Config
from django.core.mail import EmailMessage
from django.http import HttpRequest, HttpResponse
from django.test import Client, override_settings
from django.urls import path

from django_ses import SESBackend
from django_ses.exceptions import ThrottleWaitTooLongError
from django_ses.sending.quota import clear_quota_cache
from django_ses.sending.throttle import JITTER_MARGIN, WINDOW, reset_rate_limiters
from tests.aws import Call, LocalAWS
from tests.ses_wire import v1_destinations, v2_destinations


@pytest.fixture(autouse=True)
def _fresh_throttle_state() -> Iterator[None]:
    clear_quota_cache()
    reset_rate_limiters()
    yield
    clear_quota_cache()
    reset_rate_limiters()


def serve_send_quota(aws: LocalAWS, max_send_rate: float) -> None:
    """Answer v1 GetSendQuota with ``max_send_rate`` (moto's is fixed at 1 per second)."""
    body = (
        '<GetSendQuotaResponse xmlns="http://ses.amazonaws.com/doc/2010-12-01/">'
        "<GetSendQuotaResult><SentLast24Hours>0.0</SentLast24Hours>"
        f"<Max24HourSend>50000.0</Max24HourSend><MaxSendRate>{max_send_rate}</MaxSendRate>"
        "</GetSendQuotaResult>"
        f"<ResponseMetadata><RequestId>{uuid.uuid4()}</RequestId></ResponseMetadata>"
        "</GetSendQuotaResponse>"
    ).encode()
    aws.respond("ses", "GetSendQuota", lambda call: (200, {"Content-Type": "text/xml"}, body))


def serve_account(aws: LocalAWS, max_send_rate: float) -> None:
    aws.respond_json(
        "sesv2",
        "GetAccount",
        {
            "DedicatedIpAutoWarmupEnabled": False,
            "EnforcementStatus": "HEALTHY",
            "ProductionAccessEnabled": True,
            "SendQuota": {
                "Max24HourSend": 50000.0,
                "MaxSendRate": max_send_rate,
                "SentLast24Hours": 0.0,
            },
            "SendingEnabled": True,
            "SuppressionAttributes": {"SuppressedReasons": ["BOUNCE", "COMPLAINT"]},
        },
    )


def messages(count: int, recipients: int = 1) -> list[EmailMessage]:
    return [
        EmailMessage(
            subject=f"Message {i}",
            body="Throttled body",
            from_email="sender@example.com",
            to=[f"user{i}.{r}@example.net" for r in range(recipients)],
        )
        for i in range(count)
    ]


def arrivals(calls: Sequence[Call], v2: bool = False) -> list[tuple[float, int]]:
    """``(received_at, recipients)`` of each send request, as the server saw them."""
    destinations = v2_destinations if v2 else v1_destinations
    return sorted((call.received_at, len(destinations(call))) for call in calls)


def most_in_any_window(sends: Sequence[tuple[float, int]], window: float = 1.0) -> int:
    best = 0
    for i, (start, _) in enumerate(sends):
        best = max(best, sum(c for at, c in sends[i:] if at < start + window))
    return best


@override_settings(AWS_SES_AUTO_THROTTLE=0.5)
def test_v1_sends_stay_within_max_send_rate_times_the_factor(
    aws: LocalAWS, ses_identity: str
) -> None:
    # x 0.5: 10 per second, slower than the local AWS answers, so the limiter binds.
    serve_send_quota(aws, max_send_rate=20)

    sent = SESBackend().send_messages(messages(14))

    assert sent == 14
    seen = arrivals(aws.calls("ses", "SendRawEmail"))
    assert len(seen) == 14
    assert most_in_any_window(seen) <= 10
    assert seen[-1][0] - seen[0][0] >= 13 * WINDOW / 10 - JITTER_MARGIN
    assert len(aws.calls("ses", "GetSendQuota")) == 1


@override_settings(AWS_SES_AUTO_THROTTLE=0.5, USE_SES_V2=True)
def test_v2_counts_every_recipient_against_the_rate(aws: LocalAWS, ses_identity: str) -> None:
    serve_account(aws, max_send_rate=80)  # x 0.5: 40 recipients per second

    sent = SESBackend().send_messages(messages(10, recipients=5))

    assert sent == 10
    seen = arrivals(aws.calls("sesv2", "SendEmail"), v2=True)
    assert [count for _, count in seen] == [5] * 10
    assert most_in_any_window(seen) <= 40
    assert seen[-1][0] - seen[0][0] >= 9 * 5 * WINDOW / 40 - JITTER_MARGIN
    assert len(aws.calls("sesv2", "GetAccount")) == 1


@override_settings(AWS_SES_AUTO_THROTTLE=0.5)
def test_backend_instances_in_several_threads_share_one_rate(
    aws: LocalAWS, ses_identity: str
) -> None:
    serve_send_quota(aws, max_send_rate=100)

    def send() -> None:
        assert SESBackend().send_messages(messages(20)) == 20

    threads = [threading.Thread(target=send) for _ in range(3)]
    for t in threads:
        t.start()
    for t in threads:
        t.join()

    seen = arrivals(aws.calls("ses", "SendRawEmail"))
    assert len(seen) == 60
    assert most_in_any_window(seen) <= 50
    assert seen[-1][0] - seen[0][0] >= 59 * WINDOW / 50 - JITTER_MARGIN
    # The quota is read once per account and region, not per backend or thread.
    assert len(aws.calls("ses", "GetSendQuota")) == 1


@override_settings(AWS_SES_AUTO_THROTTLE=0.5)
def test_quota_is_cached_between_send_calls(aws: LocalAWS, ses_identity: str) -> None:
    serve_send_quota(aws, max_send_rate=1000)
    backend = SESBackend()

    for _ in range(3):
        backend.send_messages(messages(2))
    SESBackend().send_messages(messages(2))

    assert len(aws.sent_messages()) == 8
    assert len(aws.calls("ses", "GetSendQuota")) == 1


@override_settings(AWS_SES_AUTO_THROTTLE=0.5, AWS_SES_MAX_SEND_RATE=20)
def test_denied_quota_falls_back_to_the_max_send_rate_setting(
    aws: LocalAWS, ses_identity: str, caplog: pytest.LogCaptureFixture
) -> None:
    aws.fail("ses", "GetSendQuota", "AccessDenied", "not authorized: ses:GetSendQuota", 403)

    with caplog.at_level(logging.WARNING, logger="django_ses.throttle"):
        first = SESBackend().send_messages(messages(7))
        second = SESBackend().send_messages(messages(7))

    assert first + second == 14
    seen = arrivals(aws.calls("ses", "SendRawEmail"))
    assert most_in_any_window(seen) <= 10  # 20 x 0.5
    assert seen[-1][0] - seen[0][0] >= 13 * WINDOW / 10 - JITTER_MARGIN
    warnings = [r.getMessage() for r in caplog.records if r.name == "django_ses.throttle"]
    assert len(warnings) == 1
    assert "AWS_SES_MAX_SEND_RATE = 20" in warnings[0]
    assert len(aws.calls("ses", "GetSendQuota")) == 1


@override_settings(AWS_SES_AUTO_THROTTLE=0.5, USE_SES_V2=True)
def test_denied_quota_without_a_fallback_sends_unthrottled_and_warns_once(
    aws: LocalAWS, ses_identity: str, caplog: pytest.LogCaptureFixture
) -> None:
    aws.fail("sesv2", "GetAccount", "AccessDeniedException", "not authorized", 403)

    with caplog.at_level(logging.WARNING, logger="django_ses.throttle"):
        began = time.monotonic()
        sent = SESBackend().send_messages(messages(5)) + SESBackend().send_messages(messages(5))
        elapsed = time.monotonic() - began

    assert sent == 10
    assert len(aws.calls("sesv2", "SendEmail")) == 10
    warnings = [r.getMessage() for r in caplog.records if r.name == "django_ses.throttle"]
    assert len(warnings) == 1
    assert "NOT throttled" in warnings[0]
    assert "ses:GetAccount" in warnings[0]
    # Throttled at even 1 per second x 0.5, ten sends would take 18 seconds.
    assert elapsed < 9


def test_throttling_off_by_default_in_these_settings_reads_no_quota(
    aws: LocalAWS, ses_identity: str
) -> None:
    SESBackend().send_messages(messages(3))

    assert len(aws.sent_messages()) == 3
    assert not aws.calls("ses", "GetSendQuota")


# ------------------------------------------- what SES did not accept is not charged


@override_settings(AWS_SES_AUTO_THROTTLE=0.5)
def test_a_rejected_call_gives_its_booking_back(aws: LocalAWS, ses_identity: str) -> None:
    # 1 per second x 0.5: a booked 6-recipient send would hold the next one 12 s back.
    serve_send_quota(aws, max_send_rate=1)
    aws.fail("ses", "SendRawEmail", "MessageRejected", "Email address is not verified.", times=1)
    rejected = messages(1, recipients=6)[0]

    assert SESBackend(fail_silently=True).send_messages([rejected]) == 0
    assert SESBackend().send_messages(messages(1)) == 1

    assert rejected.ses_status.status == "failed"
    first, second = arrivals(aws.calls("ses", "SendRawEmail"))
    # The refund leaves the 6 recipients out: the next send waits for no one.
    assert second[0] - first[0] < 1.0


@override_settings(AWS_SES_AUTO_THROTTLE=0.5)
def test_a_refused_connection_gives_its_booking_back(aws: LocalAWS, ses_identity: str) -> None:
    serve_send_quota(aws, max_send_rate=1)
    aws.reset_connection("ses", "SendRawEmail", times=1)
    refused = messages(1, recipients=6)[0]
    no_retries = Config(retries={"total_max_attempts": 1})

    SESBackend(fail_silently=True, aws_config=no_retries).send_messages([refused])
    SESBackend(aws_config=no_retries).send_messages(messages(1))

    assert refused.ses_status.status == "failed"
    first, second = arrivals(aws.calls("ses", "SendRawEmail"))
    assert second[0] - first[0] < 1.0


# ------------------------------------------------------ the wait limit of a web request


def send_two_view(request: HttpRequest) -> HttpResponse:
    """Sends one message, then another that must wait 2 x 2.05 s for the rate."""
    backend = SESBackend(fail_silently=request.GET.get("silently") == "1")
    first = backend.send_messages(messages(1, recipients=2))
    second_message = messages(1)[0]
    second = backend.send_messages([second_message])
    return HttpResponse(f"{first} {second} {second_message.ses_status.status}")


urlpatterns = [path("send-two/", send_two_view)]


@override_settings(AWS_SES_AUTO_THROTTLE=0.5, AWS_SES_THROTTLE_MAX_WAIT=1.0, ROOT_URLCONF=__name__)
def test_in_a_web_request_a_send_that_would_wait_too_long_raises(
    aws: LocalAWS, ses_identity: str, client: Client
) -> None:
    serve_send_quota(aws, max_send_rate=1)

    with pytest.raises(ThrottleWaitTooLongError) as raised:
        client.get("/send-two/")

    message = str(raised.value)
    assert "AWS_SES_THROTTLE_MAX_WAIT = 1 s" in message
    assert "django_ses.QueuedSESBackend" in message
    assert raised.value.wait > 1.0
    assert len(aws.calls("ses", "SendRawEmail")) == 1


@override_settings(AWS_SES_AUTO_THROTTLE=0.5, AWS_SES_THROTTLE_MAX_WAIT=1.0, ROOT_URLCONF=__name__)
def test_with_fail_silently_the_message_that_would_wait_fails_and_was_not_charged(
    aws: LocalAWS, ses_identity: str, client: Client
) -> None:
    serve_send_quota(aws, max_send_rate=1)

    response = client.get("/send-two/?silently=1")

    assert response.content == b"1 0 failed"
    assert len(aws.calls("ses", "SendRawEmail")) == 1
    # Outside a request, the next send waits only for the first message's 2 recipients
    # (4 s at 0.5/s); had the refused one been charged too, it would wait 8 s.
    began = time.monotonic()
    assert SESBackend().send_messages(messages(1)) == 1
    assert time.monotonic() - began < 3 * 2 * WINDOW


@override_settings(AWS_SES_AUTO_THROTTLE=0.5, AWS_SES_THROTTLE_MAX_WAIT=1.0)
def test_outside_a_web_request_sends_wait_as_long_as_the_rate_needs(
    aws: LocalAWS, ses_identity: str
) -> None:
    serve_send_quota(aws, max_send_rate=4)  # x 0.5: 2 per second

    assert SESBackend(concurrency=1).send_messages(messages(4)) == 4

    seen = arrivals(aws.calls("ses", "SendRawEmail"))
    assert seen[-1][0] - seen[0][0] >= 3 * WINDOW / 2 - JITTER_MARGIN
