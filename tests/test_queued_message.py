"""The payload of a queued message: JSON-safe, read back exactly, refused when malformed."""

from __future__ import annotations

import json

import pytest

from django_ses.exceptions import InvalidMessageError
from django_ses.sending.mime import Recipient
from django_ses.sending.queued_email import PAYLOAD_FORMAT, QueuedEmail
from django_ses.sending.request import Envelope

RAW = b"From: sender@example.com\r\nSubject: Hi\r\n\r\n\xc3\xa9t\xc3\xa9\r\n"


def queued_email(**overrides) -> QueuedEmail:
    values = {
        "raw": RAW,
        "recipients": (
            Recipient("to", "Ann <ann@example.net>", "ann@example.net"),
            Recipient("cc", "cc@example.net", "cc@example.net"),
            Recipient("bcc", "hidden@xn--exmple-cua.com", "hidden@xn--exmple-cua.com"),
        ),
        "sender": "=?utf-8?q?Zo=C3=AB?= <sender@example.com>",
        "envelope": Envelope(source_arn="arn:aws:ses:us-east-1:1:identity/example.com"),
        "configuration_set": "tracking",
        "tags": {"campaign": "spring"},
        "suppressed_recipients": ("gone@example.net",),
        "subject": "Hi",
        "from_email": "sender@example.com",
        "options": {"use_ses_v2": True},
    }
    values.update(overrides)
    return QueuedEmail(**values)


def test_the_payload_survives_a_json_round_trip_unchanged():
    original = queued_email()

    payload = json.loads(json.dumps(original.to_payload()))

    assert payload["format"] == PAYLOAD_FORMAT
    assert QueuedEmail.from_payload(payload) == original


def test_list_management_and_per_recipient_headers_survive_the_round_trip():
    original = queued_email(
        list_management={"ContactListName": "Newsletter", "TopicName": "weekly"},
        raw_prefixes={"ann@example.net": b"List-Unsubscribe: <https://x.example/u/1/>\r\n"},
    )

    payload = json.loads(json.dumps(original.to_payload()))

    assert QueuedEmail.from_payload(payload) == original


def test_each_queued_email_gets_its_own_delivery_id():
    assert queued_email().delivery_id != queued_email().delivery_id


def test_the_rebuilt_message_has_the_addresses_subject_and_raw_mime():
    message = queued_email().rebuild_message()

    assert message.subject == "Hi"
    assert message.from_email == "sender@example.com"
    assert message.to == ["Ann <ann@example.net>"]
    assert message.cc == ["cc@example.net"]
    assert message.bcc == ["hidden@xn--exmple-cua.com"]
    assert message.ses_tags == {"campaign": "spring"}
    assert message.ses_raw_message == RAW


@pytest.mark.parametrize(
    ("change", "reason"),
    [
        ({"format": "django_ses.queued/99"}, "format"),
        ({"raw_message": "not base64!"}, "raw_message"),
        ({"recipients": []}, "recipients"),
        ({"recipients": [{"kind": "from", "address": "a@b.c", "destination": "a@b.c"}]}, "kind"),
        ({"delivery_id": None}, "delivery_id"),
        ({"envelope": "nope"}, "envelope"),
        ({"sender": 42}, "sender"),
        ({"list_management": "Newsletter"}, "list_management"),
        ({"raw_prefixes": {"ann@example.net": "not base64!"}}, "raw_prefixes"),
        ({"raw_prefixes": ["nope"]}, "raw_prefixes"),
    ],
)
def test_a_malformed_payload_is_refused_with_the_reason(change, reason):
    payload = {**queued_email().to_payload(), **change}

    with pytest.raises(InvalidMessageError, match=reason):
        QueuedEmail.from_payload(payload)


def test_something_that_is_not_a_mapping_is_refused():
    with pytest.raises(InvalidMessageError, match="mapping"):
        QueuedEmail.from_payload(["not", "a", "payload"])
