"""Normalising SES event records and firing their signals.

The records are AWS's documented examples (tests/fixtures/ses_events)."""

from __future__ import annotations

import datetime as dt
import json
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest

from django_ses import signals
from django_ses.events import (
    EVENT_KINDS,
    UnknownEventType,
    normalize_event,
    parse_aws_timestamp,
    send_event_signals,
    ses_event_type,
)

FIXTURES = Path(__file__).parent / "fixtures" / "ses_events"


def record(name: str) -> dict[str, Any]:
    data: dict[str, Any] = json.loads((FIXTURES / f"{name}.json").read_text())
    return data


def utc(*args: int) -> dt.datetime:
    return dt.datetime(*args, tzinfo=dt.timezone.utc)


EXAMPLE_ID = "EXAMPLE7c191be45-e9aedb9a-02f9-4d12-a87d-dd0099a07f8a-000000"

# fixture, event_type, recipients, timestamp (of the event, else of the mail)
EXPECTED = [
    ("bounce", "bounce", ["recipient@example.com"], utc(2017, 8, 5, 0, 41, 2, 669000)),
    ("complaint", "complaint", ["recipient@example.com"], utc(2017, 8, 5, 0, 41, 2, 669000)),
    ("delivery", "delivery", ["recipient@example.com"], utc(2016, 10, 19, 23, 21, 4, 133000)),
    ("send", "send", ["recipient@example.com"], utc(2016, 10, 14, 5, 2, 16, 645000)),
    ("reject", "reject", ["sender@example.com"], utc(2016, 10, 14, 17, 38, 15, 211000)),
    ("open", "open", ["recipient@example.com"], utc(2017, 8, 9, 22, 0, 19, 652000)),
    ("click", "click", ["recipient@example.com"], utc(2017, 8, 9, 23, 51, 25, 570000)),
    (
        "rendering_failure",
        "rendering_failure",
        ["recipient@example.com"],
        utc(2018, 1, 22, 18, 43, 6, 197000),
    ),
    (
        "delivery_delay",
        "delivery_delay",
        ["recipient@example.com"],
        utc(2020, 6, 16, 0, 25, 40, 95000),
    ),
    ("subscription", "subscription", ["recipient@example.com"], utc(2022, 1, 12, 1, 0, 17, 910000)),
    (
        "notification_bounce_with_dsn",
        "bounce",
        ["jane@example.com"],
        utc(2016, 1, 27, 14, 59, 38, 237000),
    ),
    (
        "notification_bounce_without_dsn",
        "bounce",
        ["jane@example.com", "richard@example.com"],
        utc(2016, 1, 27, 14, 59, 38, 237000),
    ),
    (
        "notification_complaint",
        "complaint",
        ["richard@example.com"],
        utc(2016, 1, 27, 14, 59, 38, 237000),
    ),
    (
        "notification_delivery",
        "delivery",
        ["jane@example.com"],
        utc(2016, 1, 27, 14, 59, 38, 237000),
    ),
]


@pytest.mark.parametrize(("name", "event_type", "recipients", "timestamp"), EXPECTED)
def test_documented_examples_normalise(name, event_type, recipients, timestamp):
    raw = record(name)
    event = normalize_event(raw, sns_message_id="sns-1", topic_arn="arn:aws:sns:us-east-1:1:t")
    assert event.event_type == event_type
    assert event.message_id == raw["mail"]["messageId"]
    assert event.recipients == recipients
    assert event.timestamp == timestamp
    assert event.raw == raw
    assert event.mail == raw["mail"]
    assert (event.sns_message_id, event.topic_arn) == ("sns-1", "arn:aws:sns:us-east-1:1:t")


def test_event_publishing_tags_are_kept():
    event = normalize_event(record("delivery"))
    assert event.tags["ses:configuration-set"] == ["ConfigSet"]
    assert event.tags["myCustomTag1"] == ["myCustomTagValue1"]


def test_the_x_metadata_header_comes_back_as_metadata():
    raw = record("delivery")
    raw["mail"]["headers"] = [
        {"name": "From", "value": "sender@example.com"},
        {"name": "X-Metadata", "value": '{"user_id":7,"campaign":"dec"}'},
    ]

    assert normalize_event(raw).metadata == {"user_id": 7, "campaign": "dec"}


@pytest.mark.parametrize(
    "value",
    ["not json", "[1, 2]", "[" * 100_000],
    ids=["not json", "an array", "nested past the recursion limit"],
)
def test_metadata_that_is_not_a_json_object_is_empty(value):
    raw = record("delivery")
    raw["mail"]["headers"] = [{"name": "x-metadata", "value": value}]

    assert normalize_event(raw).metadata == {}


def test_identity_notifications_have_no_tags():
    assert normalize_event(record("notification_delivery")).tags == {}


def test_the_kind_specific_object_is_the_detail():
    assert normalize_event(record("rendering_failure")).detail["templateName"] == "MyTemplate"
    assert normalize_event(record("delivery_delay")).detail["delayType"] == (
        "TransientCommunicationFailure"
    )


def test_event_type_wins_over_notification_type():
    raw = record("bounce")
    raw["notificationType"] = "Delivery"
    assert ses_event_type(raw) == "Bounce"
    assert normalize_event(raw).event_type == "bounce"


def test_notification_type_is_used_without_event_type():
    assert ses_event_type({"notificationType": "Complaint"}) == "Complaint"


@pytest.mark.parametrize("raw", [{"eventType": "Surprise"}, {}, {"eventType": 3}])
def test_an_unknown_event_type_raises(raw):
    with pytest.raises(UnknownEventType):
        normalize_event(raw)


def test_rendering_failure_spelled_without_a_space_is_understood():
    raw = record("rendering_failure")
    raw["eventType"] = "RenderingFailure"
    assert normalize_event(raw).event_type == "rendering_failure"


def test_a_record_with_odd_shapes_normalises_to_empty_values():
    event = normalize_event({"eventType": "Bounce", "mail": "nope", "bounce": ["nope"]})
    assert event.message_id == ""
    assert event.recipients == []
    assert event.timestamp is None
    assert event.tags == {}


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ("2017-08-05T00:41:02.669Z", utc(2017, 8, 5, 0, 41, 2, 669000)),
        ("2017-08-05T00:41:02Z", utc(2017, 8, 5, 0, 41, 2)),
        ("2017-08-05T02:41:02.123456789+02:00", utc(2017, 8, 5, 0, 41, 2, 123456)),
        ("yesterday", None),
        (None, None),
        ("2017-13-45T00:00:00Z", None),
    ],
)
def test_aws_timestamps_parse_to_aware_utc(text, expected):
    assert parse_aws_timestamp(text) == expected


# -- signals -------------------------------------------------------------------------------


@pytest.fixture
def received() -> Iterator[list[tuple[str, dict[str, Any]]]]:
    """(label, keyword arguments) of every event signal sent, in order."""
    calls: list[tuple[str, dict[str, Any]]] = []
    targets = [(kind.signal, kind.event_type) for kind in EVENT_KINDS]
    targets.append((signals.event_received, "event_received"))
    for signal, label in targets:

        def receiver(sender: Any, label: str = label, **kwargs: Any) -> None:
            calls.append((label, {"sender": sender, **kwargs}))

        signal.connect(receiver, weak=False, dispatch_uid=f"test-events-{label}")
    yield calls
    for signal, label in targets:
        signal.disconnect(dispatch_uid=f"test-events-{label}")


KEYWORDS = {
    "bounce": ("bounce_received", "bounce_obj", "bounce"),
    "complaint": ("complaint_received", "complaint_obj", "complaint"),
    "delivery": ("delivery_received", "delivery_obj", "delivery"),
    "send": ("send_received", "send_obj", "send"),
    "reject": ("reject_received", "reject_obj", "reject"),
    "open": ("open_received", "open_obj", "open"),
    "click": ("click_received", "click_obj", "click"),
    "rendering_failure": ("rendering_failure_received", "failure_obj", "failure"),
    "delivery_delay": ("delivery_delay_received", "delivery_delay_obj", "deliveryDelay"),
    "subscription": ("subscription_received", "subscription_obj", "subscription"),
}


@pytest.mark.parametrize("name", list(KEYWORDS))
def test_each_event_fires_its_django_ses_signal_then_event_received(received, name):
    raw = record(name)
    event = normalize_event(raw)
    send_event_signals(event, sender="the-sender", raw_message=b"raw body")
    signal_name, keyword, payload_key = KEYWORDS[name]
    assert [kind for kind, _ in received] == [name, "event_received"]
    kind_call = received[0][1]
    assert kind_call["signal"] is getattr(signals, signal_name)
    assert kind_call["mail_obj"] == raw["mail"]
    assert kind_call[keyword] == raw[payload_key]
    assert kind_call["raw_message"] == b"raw body"
    assert kind_call["sender"] == "the-sender"
    assert received[1][1]["event"] is event
    assert received[1][1]["sender"] == "the-sender"


def test_a_receiver_that_raises_stops_the_dispatch(received):
    def broken(sender: Any, **kwargs: Any) -> None:
        raise RuntimeError("receiver failed")

    signals.bounce_received.connect(broken, weak=False)
    try:
        with pytest.raises(RuntimeError):
            send_event_signals(normalize_event(record("bounce")), sender=None, raw_message=b"")
    finally:
        signals.bounce_received.disconnect(broken)
    assert [kind for kind, _ in received if kind == "event_received"] == []
