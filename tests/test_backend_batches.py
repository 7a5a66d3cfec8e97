"""SESBackend: more than 50 recipients, and the blacklist."""

from __future__ import annotations

import pytest
from django.core.mail import EmailMessage
from django.db import connection
from django.test.utils import CaptureQueriesContext

from django_ses import SESBackend
from django_ses.models import BlacklistedEmail
from tests.ses_wire import parse, send_raw_email_ok, v1_destinations, v1_raw, v2_destinations


def addresses(count: int, domain: str = "example.org") -> list[str]:
    return [f"user{i}@{domain}" for i in range(count)]


# ------------------------------------------------------------------------- chunking


def test_more_than_50_bcc_recipients_go_out_in_calls_of_at_most_50(aws, ses_identity):
    bcc = addresses(120)
    msg = EmailMessage("Newsletter", "Body", "sender@example.com", bcc=bcc)

    sent = SESBackend().send_messages([msg])

    assert sent == 1
    received = aws.sent_messages()
    assert [len(m.destinations) for m in received] == [50, 50, 20]
    assert [d for m in received for d in m.destinations] == bcc
    assert len({m.raw_data for m in received}) == 1
    assert msg.ses_status.status == "sent"
    assert msg.ses_status.message_ids == tuple(m.id for m in received)
    assert msg.ses_status.message_id == received[0].id


def test_more_than_50_to_recipients_are_chunked_and_the_mime_lists_them_all(aws, ses_identity):
    # moto adds the To header's addresses to the destinations (and then counts
    # over 50), unlike SES: the local AWS answers SendRawEmail itself here.
    aws.respond("ses", "SendRawEmail", send_raw_email_ok)
    to = addresses(75)

    SESBackend().send_messages([EmailMessage("Hi", "Body", "sender@example.com", to)])

    calls = aws.calls("ses", "SendRawEmail")
    assert [v1_destinations(c) for c in calls] == [to[:50], to[50:]]
    raws = {v1_raw(c) for c in calls}
    assert len(raws) == 1
    header = parse(raws.pop())["To"]
    assert len(header.addresses) == 75


def test_v2_chunks_keep_each_recipient_in_its_field(aws, ses_identity):
    aws.respond_json("sesv2", "SendEmail", {"MessageId": "chunk"})
    to, bcc = addresses(30, "to.example"), addresses(40, "bcc.example")

    SESBackend(use_ses_v2=True).send_messages(
        [EmailMessage("Hi", "Body", "sender@example.com", to, bcc=bcc)]
    )

    first, second = aws.calls("sesv2", "SendEmail")
    assert first.json["Destination"] == {"ToAddresses": to, "BccAddresses": bcc[:20]}
    assert second.json["Destination"] == {"BccAddresses": bcc[20:]}
    assert v2_destinations(first) + v2_destinations(second) == to + bcc


def test_a_failing_chunk_reports_which_recipients_were_not_sent(aws, ses_identity):
    bcc = addresses(120)
    msg = EmailMessage("Hi", "Body", "sender@example.com", bcc=bcc)
    # The first call succeeds; the second fails.
    calls = []

    def second_call_fails(call):
        from tests.aws import error_response

        calls.append(call)
        return error_response(call, "MessageRejected", "Rejected.")

    aws.respond("ses", "SendRawEmail", send_raw_email_ok, times=1)
    aws.respond("ses", "SendRawEmail", second_call_fails)

    sent = SESBackend(fail_silently=True).send_messages([msg])

    assert sent == 0
    status = msg.ses_status
    assert status.status == "failed"
    assert len(status.message_ids) == 1
    assert status.unsent_recipients == tuple(bcc[50:])
    assert len(calls) == 1


# ------------------------------------------------------------------------ blacklist


@pytest.fixture
def blacklist(db, settings):
    settings.AWS_SES_USE_BLACKLIST = True
    BlacklistedEmail.objects.create(email="bounced@example.net")
    BlacklistedEmail.objects.create(email="complained@example.net")


def test_blacklisted_recipients_are_removed_case_insensitively(aws, ses_identity, blacklist):
    msg = EmailMessage(
        "Hi",
        "Body",
        "sender@example.com",
        ["Ann Keep <ann@example.net>", "Bounced <BOUNCED@Example.NET>"],
        cc=["Carl <carl@example.net>"],
        bcc=["complained@example.net", "dora@example.net"],
    )

    assert SESBackend().send_messages([msg]) == 1

    call = aws.calls("ses", "SendRawEmail")[0]
    assert v1_destinations(call) == ["ann@example.net", "carl@example.net", "dora@example.net"]
    parsed = parse(v1_raw(call))
    assert str(parsed["To"]) == "Ann Keep <ann@example.net>"
    assert str(parsed["Cc"]) == "Carl <carl@example.net>"
    assert msg.ses_status.suppressed_recipients == (
        "Bounced <BOUNCED@Example.NET>",
        "complained@example.net",
    )


def test_a_fully_blacklisted_message_is_suppressed_and_not_counted(aws, ses_identity, blacklist):
    suppressed = EmailMessage("Hi", "Body", "sender@example.com", ["bounced@example.net"])
    delivered = EmailMessage("Hi", "Body", "sender@example.com", ["ok@example.net"])

    assert SESBackend().send_messages([suppressed, delivered]) == 1

    assert suppressed.ses_status.status == "suppressed"
    assert suppressed.ses_status.suppressed_recipients == ("bounced@example.net",)
    assert delivered.ses_status.status == "sent"
    assert len(aws.calls("ses", "SendRawEmail")) == 1


def test_the_blacklist_costs_one_query_per_batch(aws, ses_identity, blacklist):
    messages = [
        EmailMessage(f"n{i}", "Body", "sender@example.com", [f"r{i}@example.net"], cc=["c@x.org"])
        for i in range(10)
    ]

    with CaptureQueriesContext(connection) as queries:
        assert SESBackend().send_messages(messages) == 10

    assert len(queries.captured_queries) == 1


def test_without_the_setting_the_blacklist_is_not_consulted(aws, ses_identity, db):
    BlacklistedEmail.objects.create(email="bounced@example.net")
    msg = EmailMessage("Hi", "Body", "sender@example.com", ["bounced@example.net"])

    with CaptureQueriesContext(connection) as queries:
        assert SESBackend().send_messages([msg]) == 1

    assert queries.captured_queries == []
