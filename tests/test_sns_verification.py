"""SNS signature verification, following Amazon's "Verifying the signatures of
Amazon SNS messages". Certificates are served through ``responses``, which only
stands in for the HTTPS fetch from the SNS certificate host."""

from __future__ import annotations

import datetime as dt
import json
import sys
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest
import requests
import responses
from cryptography import x509
from cryptography.hazmat.primitives import hashes, serialization
from cryptography.hazmat.primitives.asymmetric import ec
from cryptography.x509.oid import NameOID
from freezegun import freeze_time

from django_ses import sns_verification, utils
from django_ses.sns_verification import (
    CERT_CACHE_MAX_ENTRIES,
    CERT_CACHE_TTL,
    CERT_FAILURE_TTL,
    CERT_FETCH_TIMEOUT,
    CERT_MAX_BYTES,
    CertificateFetchError,
    EventMessageVerifier,
    MalformedSNSMessage,
    VerificationUnavailable,
    canonical_string,
    check_certificate_url,
    clear_cert_cache,
    verify_event_message,
)
from tests.sns_signing import CERT_URL, TOPIC_ARN, SNSSigner

# Genuine AWS-signed SNS messages and Amazon's (expired) signing certificate; see
# the file's "_provenance".
GOLDEN = json.loads((Path(__file__).parent / "fixtures" / "sns_golden_vectors.json").read_text())

_SIGNER: SNSSigner | None = None


def shared_signer() -> SNSSigner:
    global _SIGNER
    if _SIGNER is None:
        _SIGNER = SNSSigner()
    return _SIGNER


@pytest.fixture
def http() -> Iterator[responses.RequestsMock]:
    """Outgoing HTTP: only what a test registers answers; anything else raises."""
    with responses.RequestsMock(assert_all_requests_are_fired=False) as mock:
        yield mock


@pytest.fixture
def signer(http: responses.RequestsMock) -> SNSSigner:
    signer = shared_signer()
    signer.serve_certificate(http)
    return signer


def fetches(http: responses.RequestsMock) -> int:
    return len(http.calls)


# -- the string to sign ---------------------------------------------------------------


def test_notification_canonical_string_lists_the_signed_keys_in_order():
    message = {
        "Type": "Notification",
        "MessageId": "id-1",
        "TopicArn": TOPIC_ARN,
        "Subject": "Hello",
        "Message": "body",
        "Timestamp": "2024-01-01T00:00:00.000Z",
        "UnsubscribeURL": "https://sns.us-east-1.amazonaws.com/?Action=Unsubscribe",
    }
    assert (
        canonical_string(message)
        == (
            "Message\nbody\nMessageId\nid-1\nSubject\nHello\n"
            f"Timestamp\n2024-01-01T00:00:00.000Z\nTopicArn\n{TOPIC_ARN}\nType\nNotification\n"
        ).encode()
    )


def test_notification_canonical_string_leaves_out_an_absent_subject():
    message = {
        "Type": "Notification",
        "MessageId": "id-1",
        "TopicArn": TOPIC_ARN,
        "Message": "body",
        "Timestamp": "t",
    }
    assert (
        canonical_string(message)
        == (
            f"Message\nbody\nMessageId\nid-1\nTimestamp\nt\nTopicArn\n{TOPIC_ARN}\nType\nNotification\n"
        ).encode()
    )


@pytest.mark.parametrize("message_type", ["SubscriptionConfirmation", "UnsubscribeConfirmation"])
def test_confirmation_canonical_string_signs_subscribe_url_and_token(message_type):
    message = {
        "Type": message_type,
        "MessageId": "id-2",
        "Token": "tok",
        "TopicArn": TOPIC_ARN,
        "Message": "m",
        "SubscribeURL": "https://sns.us-east-1.amazonaws.com/?Action=ConfirmSubscription",
        "Timestamp": "t",
        "Subject": "not signed for confirmations",
    }
    assert (
        canonical_string(message)
        == (
            "Message\nm\nMessageId\nid-2\n"
            "SubscribeURL\nhttps://sns.us-east-1.amazonaws.com/?Action=ConfirmSubscription\n"
            f"Timestamp\nt\nToken\ntok\nTopicArn\n{TOPIC_ARN}\nType\n{message_type}\n"
        ).encode()
    )


# -- signature versions ---------------------------------------------------------------


@pytest.mark.parametrize("version", ["1", "2"])
def test_a_notification_signed_by_sns_is_verified(signer, version):
    message = signer.notification({"eventType": "Send"}, version=version, subject="Subject")
    assert verify_event_message(message) is True


@pytest.mark.parametrize("version", ["1", "2"])
def test_a_subscription_confirmation_signed_by_sns_is_verified(signer, version):
    assert verify_event_message(signer.subscription_confirmation(version=version)) is True


@pytest.mark.parametrize(("signed_as", "labelled_as"), [("1", "2"), ("2", "1")])
def test_the_version_label_must_match_the_hash_that_signed(signer, signed_as, labelled_as):
    message = signer.notification("hello", version=signed_as)
    message["SignatureVersion"] = labelled_as
    assert verify_event_message(message) is False


@pytest.mark.parametrize("version", ["3", "0", "", "1.0", "SHA256"])
def test_other_signature_versions_are_rejected_without_fetching(http, signer, version):
    message = signer.notification("hello", version="2")
    message["SignatureVersion"] = version
    assert verify_event_message(message) is False
    assert fetches(http) == 0


@pytest.mark.parametrize(
    "change",
    [
        {"Message": "tampered"},
        {"TopicArn": "arn:aws:sns:us-east-1:123456789012:other"},
        {"MessageId": "other-id"},
        {"Timestamp": "2030-01-01T00:00:00.000Z"},
        {"Subject": "added after signing"},
    ],
)
def test_a_changed_signed_field_fails_verification(signer, change):
    message = signer.notification("hello")
    message.update(change)
    assert verify_event_message(message) is False


def test_a_signature_from_another_key_fails_verification(http, signer):
    forger = SNSSigner()  # its own key, but claims the genuine certificate URL
    assert verify_event_message(forger.notification("forged")) is False


def test_an_unknown_message_type_is_not_verified(signer):
    message = signer.notification("hello")
    message["Type"] = "Surprise"
    assert verify_event_message(message) is False


@pytest.mark.parametrize(
    "change",
    [
        {"Signature": "not base64!"},
        {"Signature": 12},
        {"SignatureVersion": 1},
        {"SigningCertURL": None},
        {"Message": ["not", "a", "string"]},
    ],
)
def test_malformed_signature_fields_raise_malformed(signer, change):
    message = signer.notification("hello")
    message.update(change)
    with pytest.raises(MalformedSNSMessage):
        verify_event_message(message)


def test_a_missing_signature_raises_malformed(signer):
    message = signer.notification("hello")
    del message["Signature"]
    with pytest.raises(MalformedSNSMessage):
        verify_event_message(message)


# -- the certificate URL rule -----------------------------------------------------------


@pytest.mark.parametrize(
    "url",
    [
        "http://sns.us-east-1.amazonaws.com/SimpleNotificationService-x.pem",
        "https://sns.us-east-1.amazonaws.com:443/SimpleNotificationService-x.pem",
        "https://user:pw@sns.us-east-1.amazonaws.com/SimpleNotificationService-x.pem",
        "https://sns.us-east-1.amazonaws.com/SimpleNotificationService-x.pem?x=1",
        "https://sns.us-east-1.amazonaws.com/SimpleNotificationService-x.pem#frag",
        "https://sns.us-east-1.amazonaws.com/SimpleNotificationService-x.txt",
        "https://sns.us-east-1.amazonaws.com/",
        "https://sns.us-east-1.amazonaws.com.evil.example/SimpleNotificationService-x.pem",
        "https://evil.example/sns.us-east-1.amazonaws.com/x.pem",
        "https://sqs.us-east-1.amazonaws.com/SimpleNotificationService-x.pem",
        "https://sns.amazonaws.com/SimpleNotificationService-x.pem",
        "https://s3.amazonaws.com/sns.us-east-1.amazonaws.com/x.pem",
        "https://sns.us-east-1.amazonaws.com/../evil.pem",
        "https://sns.us-east-1.amazonaws.com/%2e%2e/evil.pem",
        "https://evilsns.us-east-1.amazonaws.com/x.pem",
        " https://sns.us-east-1.amazonaws.com/x.pem",
        "//sns.us-east-1.amazonaws.com/x.pem",
    ],
)
def test_a_certificate_url_off_the_sns_hosts_is_refused_before_any_fetch(http, url):
    signer = SNSSigner(url, key=shared_signer().key)
    assert verify_event_message(signer.notification("hello")) is False
    assert fetches(http) == 0


@pytest.mark.parametrize(
    "url",
    [
        "https://sns.us-east-1.amazonaws.com/SimpleNotificationService-abc.pem",
        "https://sns.eu-central-2.amazonaws.com/SimpleNotificationService-abc.pem",
        "https://sns.us-gov-west-1.amazonaws.com/SimpleNotificationService-abc.pem",
        "https://sns.cn-north-1.amazonaws.com.cn/SimpleNotificationService-abc.pem",
    ],
)
def test_certificate_urls_on_regional_sns_hosts_are_accepted(url):
    assert check_certificate_url(url) == url


@pytest.mark.parametrize(
    "setting",
    [
        "AWS_SNS_EVENT_CERT_TRUSTED_DOMAINS",
        "AWS_SNS_BOUNCE_CERT_TRUSTED_DOMAINS",
        "EVENT_CERT_DOMAINS",
        "BOUNCE_CERT_DOMAINS",
    ],
)
def test_trusted_domains_narrow_the_certificate_hosts(http, signer, settings, setting):
    setattr(settings, setting, ["sns.eu-west-1.amazonaws.com"])
    assert verify_event_message(signer.notification("hello")) is False
    assert fetches(http) == 0
    setattr(settings, setting, ["amazonaws.com"])
    assert verify_event_message(signer.notification("hello")) is True


@pytest.mark.parametrize("domains", [["evil.example"], "evil.example", ["example"]])
def test_trusted_domains_cannot_widen_the_certificate_hosts(http, settings, domains):
    settings.AWS_SNS_EVENT_CERT_TRUSTED_DOMAINS = domains
    url = "https://certs.evil.example/SimpleNotificationService-x.pem"
    signer = SNSSigner(url, key=shared_signer().key)
    signer.serve_certificate(http)
    assert verify_event_message(signer.notification("hello")) is False
    assert fetches(http) == 0


# -- fetching the certificate -------------------------------------------------------------


def test_the_certificate_is_fetched_with_a_short_timeout_and_streamed(http, signer):
    assert verify_event_message(signer.notification("hello")) is True
    kwargs = http.calls[0].request.req_kwargs
    assert kwargs["timeout"] == CERT_FETCH_TIMEOUT
    assert max(CERT_FETCH_TIMEOUT) <= 10
    assert kwargs["stream"] is True


def test_a_redirect_from_the_certificate_host_is_not_followed(http):
    signer = SNSSigner(CERT_URL, key=shared_signer().key)
    http.add(http.GET, CERT_URL, status=302, headers={"Location": "https://evil.example/x.pem"})
    http.add(http.GET, "https://evil.example/x.pem", body=signer.cert_pem)
    with pytest.raises(CertificateFetchError):
        verify_event_message(signer.notification("hello"))
    assert [call.request.url for call in http.calls] == [CERT_URL]


@pytest.mark.parametrize(
    "answer",
    [
        {"status": 500, "body": b"oops"},
        {"status": 404, "body": b"missing"},
        {"body": requests.ConnectionError("refused")},
        {"body": requests.Timeout("slow")},
    ],
)
def test_a_failed_certificate_fetch_raises_a_transient_error(http, answer):
    http.add(http.GET, CERT_URL, **answer)
    with pytest.raises(CertificateFetchError):
        verify_event_message(shared_signer().notification("hello"))


def test_an_oversized_certificate_body_is_refused(http):
    http.add(http.GET, CERT_URL, body=shared_signer().cert_pem + b"\n" * (CERT_MAX_BYTES + 1))
    with pytest.raises(CertificateFetchError):
        verify_event_message(shared_signer().notification("hello"))


def _ec_certificate_pem() -> bytes:
    key = ec.generate_private_key(ec.SECP256R1())
    name = x509.Name([x509.NameAttribute(NameOID.COMMON_NAME, "sns.amazonaws.com")])
    now = dt.datetime.now(dt.timezone.utc)
    cert = (
        x509.CertificateBuilder()
        .subject_name(name)
        .issuer_name(name)
        .public_key(key.public_key())
        .serial_number(1)
        .not_valid_before(now - dt.timedelta(days=1))
        .not_valid_after(now + dt.timedelta(days=1))
        .sign(key, hashes.SHA256())
    )
    return cert.public_bytes(serialization.Encoding.PEM)


@pytest.mark.parametrize(
    "body",
    [
        pytest.param(lambda s: s.cert_pem + s.cert_pem, id="two certificates"),
        pytest.param(lambda s: _ec_certificate_pem(), id="not an RSA key"),
        pytest.param(lambda s: b"hello, I am not a certificate", id="not PEM"),
        pytest.param(
            lambda s: b"-----BEGIN CERTIFICATE-----\nAAAA\n-----END CERTIFICATE-----\n",
            id="broken PEM",
        ),
    ],
)
def test_the_certificate_must_be_exactly_one_pem_certificate_with_an_rsa_key(http, body):
    http.add(http.GET, CERT_URL, body=body(shared_signer()))
    with pytest.raises(CertificateFetchError):
        verify_event_message(shared_signer().notification("hello"))


def test_an_expired_certificate_does_not_verify(http):
    now = dt.datetime.now(dt.timezone.utc)
    signer = SNSSigner(
        key=shared_signer().key,
        not_valid_before=now - dt.timedelta(days=30),
        not_valid_after=now - dt.timedelta(days=1),
    )
    signer.serve_certificate(http)
    assert verify_event_message(signer.notification("hello")) is False


# -- the certificate cache ------------------------------------------------------------------


def test_a_fetched_certificate_is_reused_until_its_time_to_live_passes(http, signer):
    with freeze_time() as clock:
        assert verify_event_message(signer.notification("one")) is True
        assert verify_event_message(signer.notification("two")) is True
        assert fetches(http) == 1
        clock.tick(CERT_CACHE_TTL + 1)
        assert verify_event_message(signer.notification("three")) is True
        assert fetches(http) == 2


def test_the_certificate_cache_is_bounded(http):
    key = shared_signer().key
    urls = [
        f"https://sns.us-east-1.amazonaws.com/SimpleNotificationService-{i}.pem"
        for i in range(CERT_CACHE_MAX_ENTRIES + 1)
    ]
    signers = []
    for url in urls:
        signer = SNSSigner(url, key=key)
        signer.serve_certificate(http)
        signers.append(signer)
        assert verify_event_message(signer.notification("x")) is True
    assert fetches(http) == len(urls)
    # The most recent entries are still cached; the oldest one was evicted.
    assert verify_event_message(signers[-1].notification("x")) is True
    assert fetches(http) == len(urls)
    assert verify_event_message(signers[0].notification("x")) is True
    assert fetches(http) == len(urls) + 1


def test_a_failed_fetch_is_remembered_only_briefly(http):
    signer = SNSSigner(CERT_URL, key=shared_signer().key)
    http.add(http.GET, CERT_URL, status=503)
    with freeze_time() as clock:
        with pytest.raises(CertificateFetchError):
            verify_event_message(signer.notification("one"))
        http.replace(http.GET, CERT_URL, body=signer.cert_pem)
        with pytest.raises(CertificateFetchError):
            verify_event_message(signer.notification("two"))
        assert fetches(http) == 1
        clock.tick(CERT_FAILURE_TTL + 1)
        assert verify_event_message(signer.notification("three")) is True
        assert fetches(http) == 2


def test_clear_cert_cache_forgets_certificates(http, signer):
    assert verify_event_message(signer.notification("one")) is True
    utils.clear_cert_cache()
    assert verify_event_message(signer.notification("two")) is True
    assert fetches(http) == 2


# -- real AWS-signed messages -----------------------------------------------------------------


def _golden_messages() -> list[dict[str, Any]]:
    return [*GOLDEN["sns_notifications"], *GOLDEN["ses_events"]]


@pytest.fixture
def amazon_certificate(http: responses.RequestsMock) -> None:
    pem = GOLDEN["cert_pem"].encode()
    for message in _golden_messages():
        if not any(call.url == message["SigningCertURL"] for call in http.registered()):
            http.add(http.GET, message["SigningCertURL"], body=pem)


@pytest.mark.parametrize(
    "message", _golden_messages(), ids=lambda m: f"v{m['SignatureVersion']}-{m['MessageId'][:8]}"
)
@freeze_time("2022-08-01T00:00:00Z")
def test_messages_signed_by_aws_are_verified(amazon_certificate, message):
    assert verify_event_message(message) is True


@freeze_time("2022-08-01T00:00:00Z")
def test_a_tampered_aws_message_is_not_verified(amazon_certificate):
    message = dict(GOLDEN["ses_events"][1])
    message["Message"] = message["Message"].replace("bounce@", "someone-else@")
    assert verify_event_message(message) is False


def test_amazons_certificate_is_refused_after_it_expired(amazon_certificate):
    assert verify_event_message(GOLDEN["sns_notifications"][0]) is False


# -- names kept from django-ses ----------------------------------------------------------------


def test_utils_keeps_the_verification_helpers_importable():
    assert utils.verify_event_message is sns_verification.verify_event_message
    assert utils.EventMessageVerifier is EventMessageVerifier
    assert utils.clear_cert_cache is clear_cert_cache


def test_event_message_verifier_is_verified(signer):
    assert EventMessageVerifier(signer.notification("hello")).is_verified() is True


def test_bounce_message_verifier_is_deprecated(signer):
    with pytest.deprecated_call():
        verifier = utils.BounceMessageVerifier(signer.notification("hello"))
    assert verifier.is_verified() is True


def test_verify_bounce_message_is_deprecated(signer):
    message = signer.notification("hello")
    with pytest.deprecated_call():
        assert utils.verify_bounce_message(message) is True


@pytest.mark.parametrize("package", ["requests", "cryptography"])
def test_missing_extras_raise_a_clear_error(monkeypatch, package):
    message = shared_signer().notification("hello")
    monkeypatch.setitem(sys.modules, package, None)
    with pytest.raises(VerificationUnavailable, match=r"django-ses\[events\]"):
        verify_event_message(message)


def test_failed_fetches_do_not_push_a_good_certificate_out_of_the_cache(http, signer):
    assert verify_event_message(signer.notification("hello")) is True
    for i in range(CERT_CACHE_MAX_ENTRIES * 2):
        url = f"https://sns.us-east-1.amazonaws.com/SimpleNotificationService-missing{i}.pem"
        http.add(http.GET, url, status=404)
        with pytest.raises(CertificateFetchError):
            verify_event_message(SNSSigner(url, key=signer.key).notification("x"))
    assert verify_event_message(signer.notification("again")) is True
    assert sum(1 for call in http.calls if call.request.url == CERT_URL) == 1
