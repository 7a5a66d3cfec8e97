"""SESBackend: what SES receives (MIME and API parameters), results and hooks.

Every test sends through boto3 to the local AWS (moto behind a recording
proxy) and asserts on what arrived there.
"""

from __future__ import annotations

import email.header
import logging

import boto3
import django
import pytest
from django.core.mail import EmailMessage, EmailMultiAlternatives
from django.test import override_settings

from django_ses import SESBackend, signals
from django_ses.exceptions import InvalidMessageError
from tests.ses_wire import (
    parse,
    v1_destinations,
    v1_raw,
    v1_tags,
    v2_raw,
)

SOURCE_ARN = "arn:aws:ses:us-east-1:123456789012:identity/example.com"
FROM_ARN = "arn:aws:ses:us-east-1:123456789012:identity/from.example.com"
RETURN_PATH_ARN = "arn:aws:ses:us-east-1:123456789012:identity/bounce.example.com"


def message(sender: str = "sender@example.com", **kwargs: object) -> EmailMessage:
    kwargs.setdefault("to", ["to@example.net"])
    return EmailMessage(
        subject=kwargs.pop("subject", "Hello"),  # type: ignore[arg-type]
        body=kwargs.pop("body", "Body text"),  # type: ignore[arg-type]
        from_email=sender,
        **kwargs,  # type: ignore[arg-type]
    )


def decoded(header_value: str) -> str:
    return str(email.header.make_header(email.header.decode_header(header_value)))


# ---------------------------------------------------------------- MIME and destinations


def test_v1_sends_the_mime_through_send_raw_email(aws, ses_identity):
    sent = SESBackend().send_messages([message(subject="Greetings", body="Hi there")])

    assert sent == 1
    (received,) = aws.sent_messages()
    parsed = parse(received.raw_data)
    assert parsed["Subject"] == "Greetings"
    assert parsed["From"] == "sender@example.com"
    assert parsed["To"] == "to@example.net"
    assert parsed.get_content().strip() == "Hi there"
    assert len(aws.calls("ses", "SendRawEmail")) == 1


def test_to_cc_and_bcc_all_become_destinations_and_bcc_stays_out_of_the_mime(aws, ses_identity):
    msg = message(to=["Ann <to@example.net>"], cc=["cc@example.net"], bcc=["hidden@example.org"])

    SESBackend().send_messages([msg])

    (call,) = aws.calls("ses", "SendRawEmail")
    assert v1_destinations(call) == ["to@example.net", "cc@example.net", "hidden@example.org"]
    raw = v1_raw(call)
    assert b"hidden@example.org" not in raw
    assert parse(raw)["Bcc"] is None
    assert parse(raw)["Cc"] == "cc@example.net"


def test_v2_sends_raw_content_with_to_cc_and_bcc_destinations(aws, ses_identity):
    msg = message(to=["to@example.net"], cc=["cc@example.net"], bcc=["hidden@example.org"])

    sent = SESBackend(use_ses_v2=True).send_messages([msg])

    assert sent == 1
    (call,) = aws.calls("sesv2", "SendEmail")
    assert call.json["Destination"] == {
        "ToAddresses": ["to@example.net"],
        "CcAddresses": ["cc@example.net"],
        "BccAddresses": ["hidden@example.org"],
    }
    assert parse(v2_raw(call))["Subject"] == "Hello"
    assert b"hidden@example.org" not in v2_raw(call)
    assert not aws.calls("ses", "SendRawEmail")
    assert len(aws.sent_messages()) == 1


@pytest.mark.parametrize("use_v2", [False, True], ids=["v1", "v2"])
def test_attachments_and_alternatives_reach_ses_intact(aws, ses_identity, use_v2):
    payload = bytes(range(256)) * 40
    msg = EmailMultiAlternatives(
        "Report", "plain version", "sender@example.com", ["to@example.net"]
    )
    msg.attach_alternative("<p>html version</p>", "text/html")
    msg.attach("report.bin", payload, "application/octet-stream")
    msg.attach("notes.txt", "Zoë's notes", "text/plain")

    SESBackend(use_ses_v2=use_v2).send_messages([msg])

    parsed = parse(aws.sent_messages()[0].raw_data)
    assert parsed.get_body(("plain",)).get_content().strip() == "plain version"
    assert parsed.get_body(("html",)).get_content().strip() == "<p>html version</p>"
    attachments = {part.get_filename(): part for part in parsed.iter_attachments()}
    assert attachments["report.bin"].get_content() == payload
    assert attachments["notes.txt"].get_content().strip() == "Zoë's notes"


def test_non_ascii_subject_and_body_are_encoded_for_ses(aws, ses_identity):
    SESBackend().send_messages([message(subject="Café ☕", body="Grüße aus Köln")])

    parsed = parse(aws.sent_messages()[0].raw_data)
    assert parsed["Subject"] == "Café ☕"
    assert parsed.get_content().strip() == "Grüße aus Köln"


def test_the_mime_uses_crlf_line_endings(aws, ses_identity):
    SESBackend().send_messages([message(body="line one\nline two")])

    raw = v1_raw(aws.calls("ses", "SendRawEmail")[0])
    assert b"\r\n\r\n" in raw
    assert b"\n" not in raw.replace(b"\r\n", b"")


# ------------------------------------------------------------------------ envelope


@override_settings(AWS_SES_FROM_EMAIL="Zoë Sender <sender@example.com>")
def test_v1_source_is_aws_ses_from_email_with_an_encoded_display_name(aws, ses_identity):
    SESBackend().send_messages([message(sender="other@example.com")])

    source = aws.calls("ses", "SendRawEmail")[0].params["Source"]
    assert source.isascii()
    assert source.endswith("<sender@example.com>")
    assert decoded(source) == "Zoë Sender <sender@example.com>"
    assert parse(aws.sent_messages()[0].raw_data)["From"] == "other@example.com"


@override_settings(AWS_SES_FROM_EMAIL="Zoë Sender <sender@example.com>")
def test_v2_from_email_address_is_aws_ses_from_email_encoded(aws, ses_identity):
    SESBackend(use_ses_v2=True).send_messages([message()])

    from_address = aws.calls("sesv2", "SendEmail")[0].json["FromEmailAddress"]
    assert from_address.isascii()
    assert decoded(from_address) == "Zoë Sender <sender@example.com>"


def test_without_aws_ses_from_email_the_message_sender_is_the_envelope_sender(aws, ses_identity):
    SESBackend().send_messages([message(sender="Jürgen <sender@example.com>")])

    source = aws.calls("ses", "SendRawEmail")[0].params["Source"]
    assert source.isascii()
    assert decoded(source) == "Jürgen <sender@example.com>"


@override_settings(AWS_SES_RETURN_PATH="bounces@example.com")
def test_v2_sends_aws_ses_return_path_as_feedback_forwarding_address(aws, ses_identity):
    SESBackend(use_ses_v2=True).send_messages([message()])

    body = aws.calls("sesv2", "SendEmail")[0].json
    assert body["FeedbackForwardingEmailAddress"] == "bounces@example.com"


@override_settings(
    AWS_SES_SOURCE_ARN=SOURCE_ARN,
    AWS_SES_FROM_ARN=FROM_ARN,
    AWS_SES_RETURN_PATH_ARN=RETURN_PATH_ARN,
)
def test_v1_sends_the_three_identity_arns(aws, ses_identity):
    SESBackend().send_messages([message()])

    params = aws.calls("ses", "SendRawEmail")[0].params
    assert params["SourceArn"] == SOURCE_ARN
    assert params["FromArn"] == FROM_ARN
    assert params["ReturnPathArn"] == RETURN_PATH_ARN


@override_settings(AWS_SES_FROM_ARN=FROM_ARN, AWS_SES_RETURN_PATH_ARN=RETURN_PATH_ARN)
def test_v2_sends_the_identity_arns_as_its_own_parameters(aws, ses_identity):
    SESBackend(use_ses_v2=True).send_messages([message()])

    body = aws.calls("sesv2", "SendEmail")[0].json
    assert body["FromEmailAddressIdentityArn"] == FROM_ARN
    assert body["FeedbackForwardingEmailAddressIdentityArn"] == RETURN_PATH_ARN


def test_arn_keywords_win_over_the_settings(aws, ses_identity):
    with override_settings(AWS_SES_SOURCE_ARN=SOURCE_ARN):
        SESBackend(ses_source_arn=FROM_ARN).send_messages([message()])

    assert aws.calls("ses", "SendRawEmail")[0].params["SourceArn"] == FROM_ARN


@override_settings(USE_SES_V2=True, AWS_SES_GLOBAL_ENDPOINT_ID="abcdef12.g3h")
def test_global_endpoint_id_is_sent_as_endpoint_id_and_signed_with_sigv4a(aws, ses_identity):
    # moto cannot route SigV4a requests: the local AWS answers SendEmail itself.
    aws.respond_json("sesv2", "SendEmail", {"MessageId": "global-1"})

    msg = message()
    SESBackend().send_messages([msg])

    (call,) = aws.calls("sesv2", "SendEmail")
    assert call.json["EndpointId"] == "abcdef12.g3h"
    assert call.headers["authorization"].startswith("AWS4-ECDSA-P256-SHA256 ")
    assert msg.ses_status.message_id == "global-1"


# ---------------------------------------------------------------- configuration sets


@override_settings(AWS_SES_CONFIGURATION_SET="tracking")
@pytest.mark.parametrize("use_v2", [False, True], ids=["v1", "v2"])
def test_configuration_set_setting_becomes_the_api_parameter_and_the_header(
    aws, ses_identity, use_v2
):
    SESBackend(use_ses_v2=use_v2).send_messages([message()])

    if use_v2:
        call = aws.calls("sesv2", "SendEmail")[0]
        assert call.json["ConfigurationSetName"] == "tracking"
        raw = v2_raw(call)
    else:
        call = aws.calls("ses", "SendRawEmail")[0]
        assert call.params["ConfigurationSetName"] == "tracking"
        raw = v1_raw(call)
    # django-ses writes the header into the raw MIME; SES strips it before delivery.
    assert parse(raw).get_all("X-SES-CONFIGURATION-SET") == ["tracking"]


def test_configuration_set_callable_gets_the_message_and_dkim_settings(aws, ses_identity):
    seen = []

    def choose(message, dkim_domain=None, dkim_key=None, dkim_selector=None, dkim_headers=()):
        seen.append((message.subject, dkim_domain, dkim_selector))
        return f"set-{message.subject.lower()}"

    with override_settings(AWS_SES_CONFIGURATION_SET=choose, DKIM_SELECTOR="sel"):
        SESBackend().send_messages([message(subject="Welcome"), message(subject="Invoice")])

    # Concurrent sends may reach SES in either order.
    names = [c.params["ConfigurationSetName"] for c in aws.calls("ses", "SendRawEmail")]
    assert sorted(names) == ["set-invoice", "set-welcome"]
    assert seen == [("Welcome", None, "sel"), ("Invoice", None, "sel")]


def test_configuration_set_callable_returning_none_sends_without_one(aws, ses_identity):
    with override_settings(AWS_SES_CONFIGURATION_SET=lambda message, **kwargs: None):
        SESBackend().send_messages([message()])

    assert "ConfigurationSetName" not in aws.calls("ses", "SendRawEmail")[0].params


@override_settings(AWS_SES_CONFIGURATION_SET="default-set")
def test_message_header_picks_the_configuration_set_and_keeps_one_value(aws, ses_identity):
    msg = message(headers={"X-SES-CONFIGURATION-SET": "per-message", "X-Other": "kept"})

    SESBackend().send_messages([msg])

    call = aws.calls("ses", "SendRawEmail")[0]
    assert call.params["ConfigurationSetName"] == "per-message"
    parsed = parse(v1_raw(call))
    assert parsed.get_all("X-SES-CONFIGURATION-SET") == ["per-message"]
    assert parsed["X-Other"] == "kept"
    assert msg.extra_headers["X-SES-CONFIGURATION-SET"] == "per-message"


# ------------------------------------------------------------------------------ tags


@override_settings(AWS_SES_DEFAULT_TAGS={"app": "shop", "env": "test"})
def test_v1_tags_merge_default_tags_and_the_message_tags(aws, ses_identity):
    msg = message()
    msg.ses_tags = {"env": "staging", "campaign": "spring-2026"}

    SESBackend().send_messages([msg])

    assert v1_tags(aws.calls("ses", "SendRawEmail")[0]) == {
        "app": "shop",
        "env": "staging",
        "campaign": "spring-2026",
    }


def test_v2_sends_message_tags_as_email_tags(aws, ses_identity):
    msg = message()
    msg.ses_tags = {"campaign": "launch", "batch": 7}

    SESBackend(use_ses_v2=True).send_messages([msg])

    assert aws.calls("sesv2", "SendEmail")[0].json["EmailTags"] == [
        {"Name": "campaign", "Value": "launch"},
        {"Name": "batch", "Value": "7"},
    ]


@pytest.mark.parametrize(
    "tags",
    [{"bad name": "x"}, {"ok": "sp ace"}, {"ok": "x" * 257}, {"ses:reserved": "x"}, {"ok": ""}],
)
def test_an_invalid_tag_raises_before_any_api_call(aws, ses_identity, tags):
    msg = message()
    msg.ses_tags = tags

    with pytest.raises(InvalidMessageError, match="tag"):
        SESBackend().send_messages([msg])

    assert not aws.calls("ses", "SendRawEmail")
    assert msg.ses_status.status == "failed"


# --------------------------------------------------------------------------- results


def test_a_sent_message_has_its_ses_status_and_the_compat_keys(aws, ses_identity):
    msg = message()

    SESBackend().send_messages([msg])

    (received,) = aws.sent_messages()
    status = msg.ses_status
    assert status.status == "sent"
    assert status.message_id == received.id
    assert status.request_id
    assert status.error is None
    assert msg.extra_headers["message_id"] == received.id
    assert msg.extra_headers["request_id"] == status.request_id
    assert msg.extra_headers["status"] == 200


def test_resending_the_same_message_does_not_leak_the_compat_keys_as_headers(aws, ses_identity):
    msg = message()
    backend = SESBackend()

    backend.send_messages([msg])
    backend.send_messages([msg])

    first, second = aws.sent_messages()
    raw = parse(second.raw_data)
    for key in ("message_id", "request_id", "status"):
        assert raw[key] is None
    assert msg.extra_headers["message_id"] == second.id != first.id


def test_send_messages_returns_zero_for_an_empty_list(aws):
    assert SESBackend().send_messages([]) == 0
    assert not aws.calls()


def test_send_messages_counts_every_accepted_message(aws, ses_identity):
    messages = [message(subject=f"n{i}") for i in range(3)]

    assert SESBackend().send_messages(messages) == 3
    assert [m.ses_status.status for m in messages] == ["sent"] * 3


def test_a_message_without_recipients_is_not_sent_and_not_counted(aws, ses_identity):
    msg = message(to=[])

    assert SESBackend().send_messages([msg]) == 0
    assert msg.ses_status.status == "failed"
    assert isinstance(msg.ses_status.error, InvalidMessageError)
    assert not aws.calls("ses", "SendRawEmail")


def test_django_send_mail_goes_through_ses(aws, ses_identity, settings):
    from django.core.mail import send_mail

    settings.EMAIL_BACKEND = "django_ses.SESBackend"  # pytest-django installs locmem

    assert send_mail("Subject", "Body", "sender@example.com", ["to@example.net"]) == 1
    assert parse(aws.sent_messages()[0].raw_data)["Subject"] == "Subject"


# --------------------------------------------------------------------------- signals


def test_message_sent_fires_once_per_accepted_message(aws, ses_identity):
    received = []

    def receiver(sender, message, **kwargs):
        received.append((sender, message.ses_status.message_id))

    signals.message_sent.connect(receiver)
    try:
        messages = [message(subject="a"), message(subject="b")]
        SESBackend().send_messages(messages)
    finally:
        signals.message_sent.disconnect(receiver)

    # Sent concurrently: in the order the calls finished.
    assert sorted(received) == sorted((SESBackend, m.ses_status.message_id) for m in messages)


def test_a_raising_message_sent_receiver_is_logged_and_does_not_stop_the_batch(
    aws, ses_identity, caplog
):
    def broken(sender, message, **kwargs):
        raise RuntimeError("receiver bug")

    signals.message_sent.connect(broken)
    try:
        with caplog.at_level(logging.ERROR, logger="django_ses"):
            sent = SESBackend().send_messages([message(subject="a"), message(subject="b")])
    finally:
        signals.message_sent.disconnect(broken)

    assert sent == 2
    assert len(aws.sent_messages()) == 2
    errors = [r for r in caplog.records if r.name == "django_ses"]
    assert len(errors) == 2
    assert "receiver bug" in str(errors[0].exc_info[1])


# ------------------------------------------------------------ keywords and settings


@override_settings(USE_SES_V2=True)
def test_a_false_keyword_wins_over_a_true_setting(aws, ses_identity):
    SESBackend(use_ses_v2=False).send_messages([message()])

    assert len(aws.calls("ses", "SendRawEmail")) == 1
    assert not aws.calls("sesv2")


@override_settings(AWS_SES_AUTO_THROTTLE=0.5)
@pytest.mark.parametrize("off", [0, None, False])
def test_a_zero_or_none_auto_throttle_keyword_turns_throttling_off(aws, ses_identity, off):
    SESBackend(aws_auto_throttle=off).send_messages([message()])

    assert not aws.calls("ses", "GetSendQuota")
    assert len(aws.sent_messages()) == 1


@pytest.mark.parametrize("factor", ["fast", -1, True])
def test_a_bad_auto_throttle_factor_is_refused_with_a_clear_error(factor):
    from django.core.exceptions import ImproperlyConfigured

    with pytest.raises(ImproperlyConfigured, match="AWS_SES_AUTO_THROTTLE"):
        SESBackend(aws_auto_throttle=factor)


@override_settings(USE_SES_V2=True)
def test_use_ses_v2_setting_selects_the_v2_api(aws, ses_identity):
    SESBackend().send_messages([message()])

    assert len(aws.calls("sesv2", "SendEmail")) == 1


def test_aws_ses_config_is_applied_to_the_client(aws, ses_identity, settings):
    from botocore.config import Config

    settings.AWS_SES_CONFIG = Config(user_agent_extra="shop-mailer/1.0")

    SESBackend().send_messages([message()])

    assert "shop-mailer/1.0" in aws.calls("ses", "SendRawEmail")[0].headers["user-agent"]


def test_keywords_django_passes_to_every_backend_are_accepted(aws, ses_identity):
    # send_mail(auth_user=..., auth_password=...) becomes username/password.
    backend = SESBackend(username="ignored", password="ignored")

    assert backend.send_messages([message()]) == 1


def credential_of(call) -> str:
    return call.headers["authorization"].split("Credential=")[1].split("/")[0]


@override_settings(AWS_SES_ACCESS_KEY_ID="AKIASESONLY", AWS_SES_SECRET_ACCESS_KEY="ses-secret")
def test_ses_specific_keys_win_over_the_generic_aws_keys(aws, ses_identity):
    SESBackend().send_messages([message()])

    assert credential_of(aws.calls("ses", "SendRawEmail")[0]) == "AKIASESONLY"


def test_generic_aws_keys_are_the_fallback(aws, ses_identity):
    with override_settings(AWS_ACCESS_KEY_ID="AKIAGENERIC"):
        SESBackend().send_messages([message()])

    assert credential_of(aws.calls("ses", "SendRawEmail")[0]) == "AKIAGENERIC"


def test_access_key_keyword_wins_over_the_settings(aws, ses_identity):
    SESBackend(aws_access_key="AKIAKEYWORD", aws_secret_key="s").send_messages([message()])

    assert credential_of(aws.calls("ses", "SendRawEmail")[0]) == "AKIAKEYWORD"


def test_aws_session_profile_reads_the_named_profile(aws, ses_identity, tmp_path, monkeypatch):
    credentials = tmp_path / "credentials"
    credentials.write_text(
        "[mailer]\naws_access_key_id = AKIAPROFILE\naws_secret_access_key = secret\n"
    )
    monkeypatch.setenv("AWS_SHARED_CREDENTIALS_FILE", str(credentials))
    monkeypatch.setenv("AWS_CONFIG_FILE", str(tmp_path / "config"))

    with override_settings(
        AWS_SESSION_PROFILE="mailer", AWS_ACCESS_KEY_ID=None, AWS_SECRET_ACCESS_KEY=None
    ):
        SESBackend().send_messages([message()])

    assert credential_of(aws.calls("ses", "SendRawEmail")[0]) == "AKIAPROFILE"


@pytest.mark.parametrize(
    "profile_setting", ["AWS_SESSION_PROFILE", "AWS_SES_SESSION_PROFILE", "keyword"]
)
def test_a_profile_wins_over_keys_set_beside_it_as_in_django_ses(
    aws, ses_identity, tmp_path, monkeypatch, profile_setting
):
    credentials = tmp_path / "credentials"
    credentials.write_text(
        "[mailer]\naws_access_key_id = AKIAPROFILE\naws_secret_access_key = secret\n"
    )
    monkeypatch.setenv("AWS_SHARED_CREDENTIALS_FILE", str(credentials))
    monkeypatch.setenv("AWS_CONFIG_FILE", str(tmp_path / "config"))
    keys = {"AWS_ACCESS_KEY_ID": "AKIAKEYS", "AWS_SECRET_ACCESS_KEY": "keys-secret"}
    if profile_setting == "keyword":
        with override_settings(**keys):
            SESBackend(aws_session_profile="mailer").send_messages([message()])
    else:
        with override_settings(**keys, **{profile_setting: "mailer"}):
            SESBackend().send_messages([message()])

    assert credential_of(aws.calls("ses", "SendRawEmail")[0]) == "AKIAPROFILE"


def test_a_control_character_in_the_subject_is_refused_before_any_call(aws, ses_identity):
    with pytest.raises(InvalidMessageError, match=r"'Subject'.*control character"):
        SESBackend().send_messages([message(subject="Invoice\x00 42")])

    assert aws.calls("ses", "SendRawEmail") == []


@override_settings(AWS_SES_SESSION_TOKEN="session-token-value")
def test_session_token_is_sent(aws, ses_identity):
    SESBackend().send_messages([message()])

    assert aws.calls("ses", "SendRawEmail")[0].headers["x-amz-security-token"] == (
        "session-token-value"
    )


def verify_in(aws, region: str) -> None:
    boto3.client("ses", region_name=region, endpoint_url=aws.url).verify_domain_identity(
        Domain="example.com"
    )


@override_settings(AWS_SES_REGION_NAME="eu-west-1")
def test_aws_ses_region_name_picks_the_region(aws):
    verify_in(aws, "eu-west-1")

    SESBackend().send_messages([message()])

    assert aws.calls("ses", "SendRawEmail")[0].region == "eu-west-1"
    assert len(aws.sent_messages("eu-west-1")) == 1


def test_aws_region_name_keyword_wins_over_the_setting(aws):
    verify_in(aws, "ap-southeast-2")

    SESBackend(aws_region_name="ap-southeast-2").send_messages([message()])

    assert aws.calls("ses", "SendRawEmail")[0].region == "ap-southeast-2"


def test_aws_default_region_is_the_region_fallback(aws, settings):
    del settings.AWS_SES_REGION_NAME
    settings.AWS_DEFAULT_REGION = "eu-central-1"
    verify_in(aws, "eu-central-1")

    SESBackend().send_messages([message()])

    assert aws.calls("ses", "SendRawEmail")[0].region == "eu-central-1"


# ------------------------------------------------------------- open, close, hooks


def test_open_returns_true_only_when_it_opened_the_client():
    backend = SESBackend()

    assert backend.open() is True
    assert backend.open() is False
    backend.close()
    assert backend.connection is None
    assert backend.open() is True


def test_backend_works_as_a_context_manager(aws, ses_identity):
    with SESBackend() as backend:
        assert backend.connection is not None
        backend.send_messages([message()])
        backend.send_messages([message()])
    assert backend.connection is None
    assert len(aws.sent_messages()) == 2


def test_create_session_hook_supplies_the_session(aws, ses_identity):
    class AssumedRoleBackend(SESBackend):
        def create_session(self):
            return boto3.session.Session(
                aws_access_key_id="AKIAFROMHOOK", aws_secret_access_key="secret"
            )

    backend = AssumedRoleBackend()
    sent = backend.send_messages([message()])

    assert sent == 1
    assert credential_of(aws.calls("ses", "SendRawEmail")[0]) == "AKIAFROMHOOK"
    assert backend.connection is None


def test_get_rate_limit_hook_sets_the_throttle_without_reading_the_quota(aws, ses_identity):
    asked = []

    class FixedRateBackend(SESBackend):
        def get_rate_limit(self):
            asked.append(True)
            return 1000.0

    FixedRateBackend(aws_auto_throttle=0.5).send_messages([message(), message()])

    assert asked == [True]
    assert not aws.calls("ses", "GetSendQuota")
    assert len(aws.sent_messages()) == 2


def test_default_get_rate_limit_reads_the_account_send_rate(aws):
    from django_ses.sending import quota as throttle

    throttle.clear_quota_cache()
    expected = boto3.client("ses", endpoint_url=aws.url).get_send_quota()["MaxSendRate"]

    assert SESBackend().get_rate_limit() == expected
    assert len(aws.calls("ses", "GetSendQuota")) == 2


# ------------------------------------------------------------------- Django 6.1 MAILERS

requires_mailers = pytest.mark.skipif(
    django.VERSION < (6, 1), reason="MAILERS (OPTIONS and alias) arrived in Django 6.1"
)


@requires_mailers
def test_mailers_options_are_the_constructor_keywords(aws, ses_identity, settings):
    from django.core.mail import mailers

    settings.MAILERS = {
        "default": {"BACKEND": "django.core.mail.backends.locmem.EmailBackend"},
        "ses": {"BACKEND": "django_ses.SESBackend", "OPTIONS": {"use_ses_v2": True}},
    }

    mailer = mailers["ses"]
    sent = message().send(using="ses")

    assert isinstance(mailer, SESBackend)
    assert mailer.alias == "ses"
    assert sent == 1
    assert len(aws.calls("sesv2", "SendEmail")) == 1


@requires_mailers
def test_an_unknown_mailers_option_raises_djangos_invalid_mailer(settings):
    from django.core.mail import InvalidMailer, mailers

    settings.MAILERS = {
        "ses": {"BACKEND": "django_ses.SESBackend", "OPTIONS": {"aws_regoin_name": "eu-west-1"}}
    }

    with pytest.raises(InvalidMailer, match="aws_regoin_name"):
        mailers["ses"]


@requires_mailers
def test_get_connection_with_fail_silently_works_under_mailers(settings):
    from django.core.mail import get_connection

    settings.MAILERS = {"default": {"BACKEND": "django_ses.SESBackend"}}

    with pytest.warns(PendingDeprecationWarning):
        backend = get_connection(fail_silently=True)

    assert isinstance(backend, SESBackend)
    assert backend.fail_silently is True


def test_the_throttle_key_separates_accounts_without_revealing_the_access_key_id():
    from django_ses import SESBackend

    one = SESBackend(aws_access_key="AKIAEXAMPLEONE", aws_secret_key="x")
    two = SESBackend(aws_access_key="AKIAEXAMPLETWO", aws_secret_key="x")
    assert "AKIAEXAMPLEONE" not in one.throttle_key
    assert one.throttle_key != two.throttle_key
    assert one.throttle_key.endswith("@us-east-1")


def test_a_project_mime_version_reaches_ses_once(aws, ses_identity):
    SESBackend().send_messages([message(headers={"MIME-Version": "1.0"})])

    assert parse(v1_raw(aws.calls("ses", "SendRawEmail")[0])).get_all("MIME-Version") == ["1.0"]


def test_two_spellings_of_list_unsubscribe_are_refused_before_any_call(aws, ses_identity):
    headers = {"List-Unsubscribe": "<mailto:a@example.com>", "list-unsubscribe": "<mailto:b@x>"}
    with pytest.raises(InvalidMessageError, match="'List-Unsubscribe' and 'list-unsubscribe'"):
        SESBackend().send_messages([message(headers=headers)])

    assert aws.calls("ses", "SendRawEmail") == []
