"""django_ses.sending.mime and .request: pure functions from an EmailMessage to the SES request."""

from __future__ import annotations

import email.header
import re

import pytest
from django.core.mail import EmailMessage, EmailMultiAlternatives

from django_ses.exceptions import InvalidMessageError, MessageTooLargeError
from django_ses.sending.mime import (
    SIZE_LIMITS,
    Recipient,
    check_size,
    configuration_set_header,
    encode_address,
    message_recipients,
    parse_address,
    render_mime,
)
from django_ses.sending.request import (
    MAX_DESTINATIONS_PER_CALL,
    Envelope,
    chunk_recipients,
    merge_tags,
    v1_send_params,
    v2_send_params,
)
from tests.ses_wire import parse


def make(**kwargs: object) -> EmailMessage:
    kwargs.setdefault("to", ["to@example.net"])
    return EmailMessage(
        subject="Subject",
        body="Body",
        from_email="sender@example.com",
        **kwargs,  # type: ignore[arg-type]
    )


# ------------------------------------------------------------------------ addresses


def test_parse_address_keeps_the_display_name_and_the_bare_address():
    parsed = parse_address("Jane Doe <jane@example.com>")

    assert parsed.display_name == "Jane Doe"
    assert parsed.addr_spec == "jane@example.com"


def test_parse_address_accepts_the_old_comment_form():
    parsed = parse_address("jane@example.com (Jane Doe)")

    assert parsed.addr_spec == "jane@example.com"


def test_parse_address_idna_encodes_a_non_ascii_domain():
    assert parse_address("zoe@exämple.com").addr_spec == "zoe@xn--exmple-cua.com"


@pytest.mark.parametrize(
    "address",
    [
        "",
        "not-an-address",
        "two@example.com, three@example.com",
        "line@example.com\r\nBcc: evil@example.com",
        "jürgen@example.com",
        "user@localhost",
        "user@exa mple.com",
        "user@-example.com",
        "a..b@example.com",
    ],
)
def test_parse_address_rejects_what_ses_would_reject(address):
    with pytest.raises(InvalidMessageError, match="Invalid"):
        parse_address(address)


def test_parse_address_keeps_what_it_parsed_and_refuses_a_bad_address_every_time():
    parse_address.cache_clear()
    first = parse_address("Shop <shop@example.com>", field="from address")

    assert parse_address("Shop <shop@example.com>", field="from address") is first
    assert parse_address.cache_info().hits == 1
    for _ in range(2):
        with pytest.raises(InvalidMessageError, match="Invalid To address"):
            parse_address("user@localhost", field="To address")


def test_encode_address_rfc2047_encodes_a_non_ascii_display_name():
    encoded = encode_address("Zoë <zoe@exämple.com>")

    assert encoded.isascii()
    assert encoded.endswith("<zoe@xn--exmple-cua.com>")
    decoded = email.header.make_header(email.header.decode_header(encoded))
    assert str(decoded) == "Zoë <zoe@xn--exmple-cua.com>"


def test_encode_address_quotes_a_display_name_with_specials():
    assert encode_address('"Doe, Jane" <jane@example.com>') == '"Doe, Jane" <jane@example.com>'


def test_message_recipients_lists_to_cc_bcc_once_each():
    message = make(
        to=["A <a@example.com>", ""],
        cc=["b@example.com", "A@EXAMPLE.com"],
        bcc=["c@example.com"],
    )

    assert message_recipients(message) == [
        Recipient("to", "A <a@example.com>", "a@example.com"),
        Recipient("cc", "b@example.com", "b@example.com"),
        Recipient("bcc", "c@example.com", "c@example.com"),
    ]


def test_message_recipients_names_the_field_of_an_invalid_address():
    with pytest.raises(InvalidMessageError, match="Cc address"):
        message_recipients(make(cc=["nope"]))


# ------------------------------------------------------------------------------ MIME


def test_render_mime_leaves_out_bcc_the_control_header_and_the_result_keys():
    message = make(
        bcc=["hidden@example.com"],
        headers={
            "X-SES-CONFIGURATION-SET": "set",
            "message_id": "old",
            "request_id": "old",
            "status": 200,
            "X-Kept": "yes",
        },
    )

    parsed = parse(render_mime(message))

    assert parsed["X-Kept"] == "yes"
    for name in ("Bcc", "X-SES-CONFIGURATION-SET", "message_id", "request_id", "status"):
        assert parsed[name] is None
    assert message.extra_headers["message_id"] == "old"


def test_render_mime_uses_the_given_to_and_cc_lists():
    message = make(to=["a@example.com", "b@example.com"], cc=["c@example.com"])

    parsed = parse(render_mime(message, to=["a@example.com"], cc=[]))

    assert parsed["To"] == "a@example.com"
    assert parsed["Cc"] is None
    assert message.to == ["a@example.com", "b@example.com"]


@pytest.mark.parametrize("name", ["X-Bad\r\nInjected", "X Space", "X-Colon:", "X-Ünï"])
def test_render_mime_rejects_an_invalid_header_name(name):
    with pytest.raises(InvalidMessageError, match="header name"):
        render_mime(make(headers={name: "value"}))


def test_render_mime_rejects_a_line_break_in_a_header_value():
    with pytest.raises(InvalidMessageError, match="line break"):
        render_mime(make(headers={"X-Note": "one\r\nBcc: evil@example.com"}))


def test_render_mime_rejects_a_line_break_in_the_subject():
    message = make()
    message.subject = "Hello\nBcc: evil@example.com"

    with pytest.raises(InvalidMessageError):
        render_mime(message)


@pytest.mark.parametrize(
    "headers",
    [{"Subject": "second subject"}, {"Date": "Mon, 1 Jan 2024 00:00:00 +0000", "date": "x"}],
)
def test_render_mime_rejects_a_duplicated_singleton_header(headers):
    with pytest.raises(InvalidMessageError, match=r"more than one|at most 1|only one such header"):
        render_mime(make(headers=headers))


def test_configuration_set_header_is_found_case_insensitively():
    assert configuration_set_header(make(headers={"x-ses-configuration-set": " s1 "})) == "s1"
    assert configuration_set_header(make()) is None


# ------------------------------------------------------------------------------ tags


def test_merge_tags_lets_the_message_override_defaults():
    assert merge_tags({"a": "1", "b": "2"}, {"b": "3", "c": 4}) == {"a": "1", "b": "3", "c": "4"}


def test_merge_tags_names_the_origin_of_a_bad_tag():
    with pytest.raises(InvalidMessageError, match="AWS_SES_DEFAULT_TAGS"):
        merge_tags({"bad name": "x"}, None)
    with pytest.raises(InvalidMessageError, match=r"message\.ses_tags"):
        merge_tags(None, {"ok": "bad value"})
    with pytest.raises(InvalidMessageError, match="mapping"):
        merge_tags(None, ["not", "a", "mapping"])  # type: ignore[arg-type]


# ------------------------------------------------------------------ size and chunks


def test_check_size_allows_exactly_the_limit_and_rejects_one_byte_more():
    check_size(SIZE_LIMITS["v1"], "v1")

    with pytest.raises(MessageTooLargeError, match="10485761 bytes"):
        check_size(SIZE_LIMITS["v1"] + 1, "v1")


def test_v2_allows_40_mb():
    assert SIZE_LIMITS["v2"] == 40 * 1024 * 1024
    check_size(SIZE_LIMITS["v1"] + 1, "v2")


def test_chunk_recipients_splits_into_groups_of_fifty_keeping_order():
    recipients = [Recipient("bcc", f"r{i}@example.com", f"r{i}@example.com") for i in range(120)]

    chunks = chunk_recipients(recipients)

    assert [len(c) for c in chunks] == [50, 50, 20]
    assert [r for c in chunks for r in c] == recipients
    assert MAX_DESTINATIONS_PER_CALL == 50


# -------------------------------------------------------------------- request params


RECIPIENTS = [
    Recipient("to", "A <a@example.com>", "a@example.com"),
    Recipient("bcc", "b@example.com", "b@example.com"),
]


def test_v1_params_carry_destinations_arns_configuration_set_and_tags():
    envelope = Envelope(source_arn="arn:s", from_arn="arn:f", return_path_arn="arn:r")

    params = v1_send_params(
        b"raw",
        RECIPIENTS,
        sender="sender@example.com",
        envelope=envelope,
        configuration_set="set",
        tags={"k": "v"},
    )

    assert params == {
        "RawMessage": {"Data": b"raw"},
        "Destinations": ["a@example.com", "b@example.com"],
        "Source": "sender@example.com",
        "SourceArn": "arn:s",
        "FromArn": "arn:f",
        "ReturnPathArn": "arn:r",
        "ConfigurationSetName": "set",
        "Tags": [{"Name": "k", "Value": "v"}],
    }


def test_v2_params_map_the_envelope_to_v2_names():
    envelope = Envelope(
        return_path="Bounces <bounce@example.com>",  # already encoded
        from_arn="arn:f",
        return_path_arn="arn:r",
        global_endpoint_id="abc.g1",
    )

    params = v2_send_params(
        b"raw",
        RECIPIENTS,
        sender="sender@example.com",
        envelope=envelope,
        configuration_set=None,
        tags={},
    )

    assert params == {
        "Destination": {"ToAddresses": ["a@example.com"], "BccAddresses": ["b@example.com"]},
        "Content": {"Raw": {"Data": b"raw"}},
        "FromEmailAddress": "sender@example.com",
        "FromEmailAddressIdentityArn": "arn:f",
        "FeedbackForwardingEmailAddress": "Bounces <bounce@example.com>",
        "FeedbackForwardingEmailAddressIdentityArn": "arn:r",
        "EndpointId": "abc.g1",
    }


def test_v2_uses_the_source_arn_when_no_from_arn_is_set():
    params = v2_send_params(
        b"raw",
        RECIPIENTS,
        sender=None,
        envelope=Envelope(source_arn="arn:s"),
        configuration_set=None,
        tags={},
    )

    assert params["FromEmailAddressIdentityArn"] == "arn:s"
    assert "FromEmailAddress" not in params


def test_render_mime_writes_the_configuration_set_header_once_with_the_given_value():
    message = make(headers={"x-ses-configuration-set": "from-the-project"})

    parsed = parse(render_mime(message, configuration_set="the-request's"))

    assert parsed.get_all("X-SES-CONFIGURATION-SET") == ["the-request's"]
    assert message.extra_headers == {"x-ses-configuration-set": "from-the-project"}


def test_render_mime_refuses_a_configuration_set_name_with_a_line_break():
    with pytest.raises(InvalidMessageError, match="configuration set name"):
        render_mime(make(), configuration_set="set\r\nBcc: victim@example.com")


@pytest.mark.parametrize("character", ["\x00", "\x01", "\x1b", "\x7f", "\x0b"])
def test_render_mime_refuses_a_control_character_in_a_header_value_naming_it(character):
    with pytest.raises(InvalidMessageError, match=r"'X-Note'.*control character"):
        render_mime(make(headers={"X-Note": f"one{character}two"}))


def test_render_mime_refuses_a_control_character_in_the_subject():
    message = make()
    message.subject = "Hello\x00world"
    with pytest.raises(InvalidMessageError, match=r"'Subject'.*control character"):
        render_mime(message)


def test_each_multipart_part_gets_a_random_boundary_of_the_email_packages_form():
    message = EmailMultiAlternatives("Hi", "plain", "from@example.com", ["to@example.com"])
    message.attach_alternative("<p>html</p>", "text/html")
    message.attach("a.bin", b"\x00" * 500, "application/octet-stream")

    first, second = parse(render_mime(message)), parse(render_mime(message))

    boundaries = [part.get_boundary() for part in first.walk() if part.is_multipart()]
    assert len(boundaries) == 2  # mixed, then alternative
    assert len(set(boundaries)) == 2
    assert all(re.fullmatch(r"={15}[0-9a-f]{19}==", b) for b in boundaries)
    again = [part.get_boundary() for part in second.walk() if part.is_multipart()]
    assert set(again).isdisjoint(boundaries)
    assert first.get_body(("html",)).get_content().strip() == "<p>html</p>"
    (attachment,) = first.iter_attachments()
    assert attachment.get_content() == b"\x00" * 500
