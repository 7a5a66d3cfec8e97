"""Templated and bulk sending through SESBackend, asserted on what reached the local SES.

A message names a template (ses_template / django-anymail's template_id) or
carries inline content; with per-recipient data it goes out through
SendBulkEmail, 50 destinations per call, and each destination's result is on
``message.ses_status.destinations``.
"""

from __future__ import annotations

import pytest
from django.core.mail import EmailMessage

from django_ses import SESBackend, signals
from django_ses.exceptions import InvalidMessageError, MessageRejectedError
from django_ses.models import BlacklistedEmail
from django_ses.tasks_compat import tasks_module
from tests.ses_templates import LocalTemplates, template_arn

pytestmark = pytest.mark.django_db

DUMMY_TASKS = f"{tasks_module().__name__}.backends.dummy.DummyBackend"


@pytest.fixture
def local(aws, ses_identity) -> LocalTemplates:
    templates = LocalTemplates(aws).install()
    templates.templates["welcome"] = {
        "Subject": "Welcome, {{name}}",
        "Text": "Hello {{name}} from {{shop}}",
        "Html": "<p>Hello {{name}}</p>",
    }
    return templates


def templated(to: list[str], **attributes: object) -> EmailMessage:
    message = EmailMessage(from_email="sender@example.com", to=to)
    for name, value in attributes.items():
        setattr(message, name, value)
    return message


def backend(**kwargs: object) -> SESBackend:
    return SESBackend(use_ses_v2=True, **kwargs)  # type: ignore[arg-type]


def test_a_stored_template_is_sent_with_send_email_and_rendered_by_ses(aws, local):
    message = templated(
        ["alice@example.com"],
        ses_template="welcome",
        ses_template_data={"name": "Alice", "shop": "Acme"},
    )

    assert backend().send_messages([message]) == 1

    (call,) = aws.calls("sesv2", "SendEmail")
    assert call.json["Content"]["Template"]["TemplateName"] == "welcome"
    (rendered,) = local.sent
    assert rendered.subject == "Welcome, Alice"
    assert rendered.text == "Hello Alice from Acme"
    assert message.ses_status.sent
    assert message.ses_status.message_id == rendered.message_id
    assert [d.destination for d in message.ses_status.destinations] == ["alice@example.com"]


def test_a_template_by_arn(aws, local):
    message = templated(
        ["alice@example.com"],
        ses_template=template_arn("welcome"),
        ses_template_data={"name": "A", "shop": "B"},
    )

    backend().send_messages([message])

    assert (
        aws.calls("sesv2", "SendEmail")[0]
        .json["Content"]["Template"]["TemplateArn"]
        .endswith("template/welcome")
    )
    assert local.sent[0].subject == "Welcome, A"


def test_inline_content_with_an_attachment(aws, local):
    message = templated(
        ["alice@example.com"],
        ses_template_content={"subject": "Receipt {{n}}", "html": "<p>{{n}}</p>"},
        ses_template_data={"n": 7},
    )
    message.attach("receipt.pdf", b"%PDF-1.4 bytes", "application/pdf")

    backend().send_messages([message])

    (rendered,) = local.sent
    assert rendered.subject == "Receipt 7"
    assert rendered.attachments[0]["FileName"] == "receipt.pdf"
    assert rendered.attachments[0]["RawContent"] == b"%PDF-1.4 bytes"


@pytest.mark.parametrize(("count", "calls"), [(1, 0), (50, 1), (51, 2)])
def test_per_recipient_data_goes_through_send_bulk_email_fifty_per_call(aws, local, count, calls):
    addresses = [f"user{i}@example.com" for i in range(count)]
    message = templated(
        addresses,
        ses_template="welcome",
        ses_template_data={"shop": "Acme"},
        ses_recipient_data={a: {"name": f"User {i}"} for i, a in enumerate(addresses)},
    )

    assert backend().send_messages([message]) == 1

    assert len(aws.calls("sesv2", "SendBulkEmail")) == calls
    # One recipient with own data: SendEmail with that recipient's data.
    assert len(aws.calls("sesv2", "SendEmail")) == (1 if count == 1 else 0)
    assert sorted(r.subject for r in local.sent) == sorted(
        f"Welcome, User {i}" for i in range(count)
    )
    assert len(message.ses_status.destinations) == count
    assert {d.message_id for d in message.ses_status.destinations} == {
        r.message_id for r in local.sent
    }


def test_per_recipient_headers_tags_and_metadata_reach_each_entry(aws, local):
    message = templated(
        ["alice@example.com", "bob@example.com"],
        template_id="welcome",
        merge_global_data={"shop": "Acme", "name": "friend"},
        merge_headers={"alice@example.com": {"List-Unsubscribe": "<https://example.com/u/a>"}},
        merge_metadata={"bob@example.com": {"user": 2}},
        ses_recipient_tags={"bob@example.com": {"segment": "b"}},
        ses_tags={"campaign": "dec"},
    )

    backend().send_messages([message])

    by_address = {r.destination["ToAddresses"][0]: r for r in local.sent}
    assert (
        by_address["alice@example.com"].headers["List-Unsubscribe"] == "<https://example.com/u/a>"
    )
    assert by_address["bob@example.com"].headers["X-Metadata"] == '{"user":2}'
    assert by_address["bob@example.com"].tags == {"campaign": "dec", "segment": "b"}
    assert by_address["alice@example.com"].tags == {"campaign": "dec"}


def test_a_partial_failure_is_reported_per_destination_and_counts_as_sent(aws, local):
    local.reject("bob@example.com")
    sent_signals: list[EmailMessage] = []
    receiver = lambda sender, message, **kw: sent_signals.append(message)  # noqa: E731
    signals.message_sent.connect(receiver)
    try:
        message = templated(
            ["alice@example.com", "bob@example.com"],
            ses_template="welcome",
            ses_recipient_data={
                "alice@example.com": {"name": "A", "shop": "S"},
                "bob@example.com": {"name": "B", "shop": "S"},
            },
        )
        assert backend().send_messages([message]) == 1
    finally:
        signals.message_sent.disconnect(receiver)

    status = message.ses_status
    assert status.sent
    assert status.unsent_recipients == ("bob@example.com",)
    alice, bob = status.destinations
    assert (alice.status, bob.status) == ("sent", "failed")
    assert isinstance(bob.error, MessageRejectedError)
    assert [r.destination["ToAddresses"] for r in local.sent] == [["alice@example.com"]]
    assert sent_signals == [message]


def test_every_destination_refused_is_failed_and_raises_without_fail_silently(aws, local):
    local.reject("alice@example.com")
    local.reject("bob@example.com", "ACCOUNT_SENDING_PAUSED")
    message = templated(
        ["alice@example.com", "bob@example.com"],
        ses_template="welcome",
        ses_recipient_data={"alice@example.com": {}, "bob@example.com": {}},
    )

    with pytest.raises(MessageRejectedError):
        backend().send_messages([message])

    assert message.ses_status.status == "failed"
    assert backend(fail_silently=True).send_messages([message]) == 0


def test_a_missing_placeholder_is_a_rendering_failure_at_ses(aws, local):
    message = templated(
        ["alice@example.com"], ses_template="welcome", ses_template_data={"name": "A"}
    )

    backend().send_messages([message])

    assert local.rendering_failures == [("alice@example.com", "shop")]
    assert local.sent == []


def test_the_blacklist_applies_per_destination(aws, local, settings):
    settings.AWS_SES_USE_BLACKLIST = True
    BlacklistedEmail.objects.create(email="bob@example.com")
    message = templated(
        ["alice@example.com", "bob@example.com"],
        ses_template="welcome",
        ses_recipient_data={"alice@example.com": {"name": "A", "shop": "S"}, "bob@example.com": {}},
    )

    backend().send_messages([message])

    (call,) = aws.calls("sesv2", "SendEmail")  # one destination left: SendEmail
    assert call.json["Destination"] == {"ToAddresses": ["alice@example.com"]}
    assert message.ses_status.suppressed_recipients == ("bob@example.com",)


def test_more_destinations_than_allowed_are_refused_before_chunking(aws, local, settings):
    settings.AWS_SES_TEMPLATE_MAX_DESTINATIONS = 60
    addresses = [f"user{i}@example.com" for i in range(61)]
    message = templated(addresses, ses_template="welcome", ses_recipient_data={addresses[0]: {}})

    with pytest.raises(InvalidMessageError, match="61 destinations, more than"):
        backend().send_messages([message])

    assert aws.calls("sesv2", "SendBulkEmail") == []


@pytest.mark.parametrize(
    ("kwargs", "attributes", "error"),
    [
        ({}, {"ses_template_data": {"x": object()}}, "not JSON-serialisable"),
        ({}, {"body": "raw body"}, "leave body empty"),
        ({}, {"send_at": "tomorrow"}, "send_at is not supported"),
        ({"use_ses_v2": False}, {}, "SES v2 API"),
    ],
)
def test_bad_input_is_refused_before_any_call(aws, local, kwargs, attributes, error):
    message = templated(["alice@example.com"], ses_template="welcome", **attributes)

    with pytest.raises(InvalidMessageError, match=error):
        SESBackend(**{"use_ses_v2": True, **kwargs}).send_messages([message])

    assert aws.calls("sesv2", "SendEmail") == []
    assert aws.calls("ses", "SendRawEmail") == []


def test_a_queued_templated_bulk_message_is_sent_by_the_worker(aws, local, settings):
    from django.utils.module_loading import import_string

    from django_ses import QueuedSESBackend

    settings.TASKS = {
        "default": {"BACKEND": f"{tasks_module().__name__}.backends.dummy.DummyBackend"}
    }
    tasks = tasks_module().task_backends["default"]
    tasks.clear()
    message = templated(
        ["alice@example.com", "bob@example.com"],
        ses_template="welcome",
        ses_template_data={"shop": "Acme"},
        ses_recipient_data={"alice@example.com": {"name": "A"}, "bob@example.com": {"name": "B"}},
    )
    message.attach("a.txt", b"attached", "text/plain")

    assert QueuedSESBackend(use_ses_v2=True).send_messages([message]) == 1
    (result,) = tasks.results
    task = import_string(result.task.module_path)
    outcome = task.call(*result.args, **result.kwargs)

    assert outcome["status"] == "sent", (outcome.get("error"), outcome.get("error_code"))
    (call,) = aws.calls("sesv2", "SendBulkEmail")
    assert len(call.json["BulkEmailEntries"]) == 2
    assert sorted(r.subject for r in local.sent) == ["Welcome, A", "Welcome, B"]
    assert all(r.attachments[0]["RawContent"] == b"attached" for r in local.sent)


def test_a_templated_message_with_extra_parameters_that_are_not_json_cannot_be_queued(
    aws, local, settings
):
    from django_ses import QueuedSESBackend

    settings.TASKS = {
        "default": {"BACKEND": f"{tasks_module().__name__}.backends.dummy.DummyBackend"}
    }
    message = templated(["alice@example.com"], ses_template="welcome", esp_extra={"X": object()})

    with pytest.raises(InvalidMessageError, match="cannot be queued"):
        QueuedSESBackend(use_ses_v2=True).send_messages([message])
