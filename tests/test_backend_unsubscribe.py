"""Per-recipient one-click unsubscribe headers through SESBackend, asserted on what reached
the local SES: a raw message goes one call per recipient, a templated one as SendBulkEmail
entries with ReplacementHeaders."""

from __future__ import annotations

import re

import pytest
from django.core.mail import EmailMessage
from django.test import Client, override_settings

from django_ses import SESBackend
from django_ses.exceptions import InvalidMessageError
from django_ses.models import BlacklistedEmail
from django_ses.unsubscribe.tokens import read_token
from tests.ses_templates import LocalTemplates

pytestmark = [
    pytest.mark.django_db,
    pytest.mark.usefixtures("ses_identity"),
]

BASE = "https://www.example.com"
_URL = re.compile(r"<(https://www\.example\.com(/admin/django-ses/unsubscribe/([^/]+)/))>")


@pytest.fixture(autouse=True)
def _base_url(settings):
    settings.AWS_SES_UNSUBSCRIBE_BASE_URL = BASE


def message(to: list[str], **attributes: object) -> EmailMessage:
    email = EmailMessage("News", "Hello", "sender@example.com", to)
    for name, value in attributes.items():
        setattr(email, name, value)
    return email


def token_of(list_unsubscribe: str) -> str:
    match = _URL.fullmatch(list_unsubscribe)
    assert match, list_unsubscribe
    return match.group(3)


@pytest.mark.parametrize("v2", [True, False], ids=["v2", "v1"])
def test_each_recipient_of_a_raw_message_gets_a_message_with_their_own_link(aws, v2) -> None:
    email = message(["ann@example.net", "bob@example.net"], ses_unsubscribe=True)
    email.bcc = ["cid@example.net"]

    assert SESBackend(use_ses_v2=v2).send_messages([email]) == 1

    sent = aws.sent_messages()
    assert [m.destinations for m in sent] == [
        ["ann@example.net"],
        ["bob@example.net"],
        ["cid@example.net"],
    ]
    for destination, accepted in zip(("ann", "bob", "cid"), sent, strict=True):
        parsed = accepted.message
        assert (
            read_token(token_of(parsed["List-Unsubscribe"])).email == f"{destination}@example.net"
        )
        assert parsed["List-Unsubscribe-Post"] == "List-Unsubscribe=One-Click"
        assert parsed["To"] == "ann@example.net, bob@example.net"
        assert "Bcc" not in parsed
    assert len(set(email.ses_status.message_ids)) == 3


def test_the_list_name_travels_in_the_token(aws) -> None:
    SESBackend().send_messages([message(["ann@example.net"], ses_unsubscribe="weekly")])

    (sent,) = aws.sent_messages()
    assert read_token(token_of(sent.message["List-Unsubscribe"])).list_name == "weekly"


def test_the_link_of_a_sent_message_unsubscribes_its_recipient(aws) -> None:
    SESBackend().send_messages([message(["ann@example.net"], ses_unsubscribe=True)])
    (sent,) = aws.sent_messages()
    path = _URL.fullmatch(sent.message["List-Unsubscribe"]).group(2)

    response = Client(enforce_csrf_checks=True).post(path, {"List-Unsubscribe": "One-Click"})

    assert response.status_code == 200
    assert BlacklistedEmail.objects.get().email == "ann@example.net"


def test_blacklisted_recipients_get_no_copy(aws, settings) -> None:
    settings.AWS_SES_USE_BLACKLIST = True
    BlacklistedEmail.objects.create(email="bob@example.net")

    SESBackend().send_messages(
        [message(["ann@example.net", "bob@example.net"], ses_unsubscribe=True)]
    )

    assert [m.destinations for m in aws.sent_messages()] == [["ann@example.net"]]


def test_a_message_without_the_attribute_has_no_unsubscribe_headers(aws) -> None:
    SESBackend().send_messages([message(["ann@example.net", "bob@example.net"])])

    (sent,) = aws.sent_messages()
    assert "List-Unsubscribe" not in sent.message


def test_manual_dkim_signs_each_copy_with_the_unsubscribe_headers(aws) -> None:
    import dkim
    from cryptography.hazmat.primitives import serialization
    from cryptography.hazmat.primitives.asymmetric import rsa

    from tests.test_backend_dkim import dns_for

    key = rsa.generate_private_key(public_exponent=65537, key_size=2048)
    pem = key.private_bytes(
        serialization.Encoding.PEM,
        serialization.PrivateFormat.TraditionalOpenSSL,
        serialization.NoEncryption(),
    )
    email = message(["ann@example.net", "bob@example.net"], ses_unsubscribe=True)
    SESBackend(dkim_domain="example.com", dkim_key=pem).send_messages([email])

    sent = aws.sent_messages()
    assert len(sent) == 2
    for accepted in sent:
        signature = re.sub(r"\s", "", str(accepted.message["DKIM-Signature"]))
        signed = re.search(r"h=([^;]+)", signature).group(1).split(":")
        assert {"list-unsubscribe", "list-unsubscribe-post"} <= {h.lower() for h in signed}
        assert dkim.verify(accepted.raw, dnsfunc=dns_for(key, "ses")) is True


def test_own_list_unsubscribe_header_and_the_attribute_conflict() -> None:
    email = message(
        ["ann@example.net"],
        ses_unsubscribe=True,
        extra_headers={"List-Unsubscribe": "<mailto:u@example.com>"},
    )

    with pytest.raises(InvalidMessageError, match="keep one of the two"):
        SESBackend().send_messages([email])


@pytest.mark.parametrize("value", [1, "", ["news"], "bad\nname"])
def test_a_bad_attribute_value_is_a_clear_error(value) -> None:
    with pytest.raises(InvalidMessageError, match="ses_unsubscribe must be True"):
        SESBackend().send_messages([message(["ann@example.net"], ses_unsubscribe=value)])


@override_settings(AWS_SES_UNSUBSCRIBE_BASE_URL=None)
def test_without_a_base_url_the_message_is_refused_before_any_call(aws) -> None:
    with pytest.raises(InvalidMessageError, match="AWS_SES_UNSUBSCRIBE_BASE_URL"):
        SESBackend().send_messages([message(["ann@example.net"], ses_unsubscribe=True)])

    assert aws.sent_messages() == []


def test_a_queued_message_sends_each_recipient_their_own_link(aws, settings) -> None:
    from django_ses import QueuedSESBackend
    from django_ses.tasks_compat import tasks_module

    immediate = f"{tasks_module().__name__}.backends.immediate.ImmediateBackend"
    settings.TASKS = {"default": {"BACKEND": immediate}}
    email = message(["ann@example.net", "bob@example.net"], ses_unsubscribe=True)

    QueuedSESBackend().send_messages([email])

    sent = aws.sent_messages()
    assert [m.destinations for m in sent] == [["ann@example.net"], ["bob@example.net"]]
    assert [read_token(token_of(m.message["List-Unsubscribe"])).email for m in sent] == [
        "ann@example.net",
        "bob@example.net",
    ]


# -- templated -----------------------------------------------------------------------------


@pytest.fixture
def local(aws) -> LocalTemplates:
    templates = LocalTemplates(aws).install()
    templates.templates["news"] = {"Subject": "News for {{name}}", "Text": "Hi {{name}}"}
    return templates


def templated(to: list[str], **attributes: object) -> EmailMessage:
    email = EmailMessage(from_email="sender@example.com", to=to)
    email.ses_template = "news"  # type: ignore[attr-defined]
    email.ses_template_data = {"name": "you"}  # type: ignore[attr-defined]
    for name, value in attributes.items():
        setattr(email, name, value)
    return email


def test_a_templated_message_goes_as_bulk_entries_with_replacement_headers(aws, local) -> None:
    email = templated(
        ["ann@example.net", "bob@example.net"],
        ses_unsubscribe=True,
        ses_recipient_data={"ann@example.net": {"name": "Ann"}},
    )

    assert SESBackend(use_ses_v2=True).send_messages([email]) == 1

    (call,) = aws.calls("sesv2", "SendBulkEmail")
    entries = call.json["BulkEmailEntries"]
    for entry, who in zip(entries, ("ann", "bob"), strict=True):
        headers = {h["Name"]: h["Value"] for h in entry["ReplacementHeaders"]}
        assert read_token(token_of(headers["List-Unsubscribe"])).email == f"{who}@example.net"
        assert headers["List-Unsubscribe-Post"] == "List-Unsubscribe=One-Click"
    rendered = {r.destination["ToAddresses"][0]: r for r in local.sent}
    assert rendered["ann@example.net"].subject == "News for Ann"
    assert rendered["bob@example.net"].subject == "News for you"
    assert "List-Unsubscribe" in rendered["bob@example.net"].headers


def test_a_templated_message_to_one_recipient_carries_the_headers_in_send_email(aws, local):
    SESBackend(use_ses_v2=True).send_messages(
        [templated(["ann@example.net"], ses_unsubscribe=True)]
    )

    (call,) = aws.calls("sesv2", "SendEmail")
    headers = {h["Name"]: h["Value"] for h in call.json["Content"]["Template"]["Headers"]}
    assert read_token(token_of(headers["List-Unsubscribe"])).email == "ann@example.net"


def test_a_templated_message_with_cc_cannot_have_per_recipient_headers(local) -> None:
    email = templated(["ann@example.net"], ses_unsubscribe=True)
    email.cc = ["bob@example.net"]

    with pytest.raises(InvalidMessageError, match="Cc or Bcc"):
        SESBackend(use_ses_v2=True).send_messages([email])
