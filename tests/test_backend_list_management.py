"""SES list management (ListManagementOptions) through SESBackend, asserted on what reached
the local SES, which checks the contact list and topic against moto's as SES does."""

from __future__ import annotations

import boto3
import pytest
from django.core.mail import EmailMessage

from django_ses import SESBackend
from django_ses.exceptions import InvalidMessageError, SESError
from tests.ses_templates import LocalTemplates

pytestmark = [pytest.mark.django_db, pytest.mark.usefixtures("ses_identity")]

NEWSLETTER = {"ContactListName": "Newsletter", "TopicName": "weekly"}


@pytest.fixture
def contact_list(aws) -> object:
    client = boto3.client("sesv2", region_name="us-east-1", endpoint_url=aws.url)
    client.create_contact_list(
        ContactListName="Newsletter",
        Topics=[
            {
                "TopicName": "weekly",
                "DisplayName": "Weekly news",
                "DefaultSubscriptionStatus": "OPT_IN",
            }
        ],
    )
    return client


def message(to: list[str], **attributes: object) -> EmailMessage:
    email = EmailMessage("News", "Hello", "sender@example.com", to)
    for name, value in attributes.items():
        setattr(email, name, value)
    return email


def v2() -> SESBackend:
    return SESBackend(use_ses_v2=True)


def test_the_message_attribute_reaches_ses_on_each_destinations_send_email(aws, contact_list):
    email = message(["ann@example.net", "bob@example.net"], ses_list_management=NEWSLETTER)

    assert v2().send_messages([email]) == 1

    calls = aws.calls("sesv2", "SendEmail")
    assert [c.json["ListManagementOptions"] for c in calls] == [NEWSLETTER, NEWSLETTER]
    assert [m.destinations for m in aws.sent_messages()] == [
        ["ann@example.net"],
        ["bob@example.net"],
    ]
    assert [m.list_management for m in aws.sent_messages()] == [NEWSLETTER, NEWSLETTER]


def test_the_setting_is_the_default_and_false_turns_it_off(aws, contact_list, settings):
    settings.AWS_SES_LIST_MANAGEMENT_OPTIONS = {"ContactListName": "Newsletter"}

    v2().send_messages([message(["ann@example.net"])])
    v2().send_messages([message(["bob@example.net"], ses_list_management=False)])

    first, second = aws.sent_messages()
    assert first.list_management == {"ContactListName": "Newsletter"}
    assert second.list_management is None


def test_a_message_without_list_management_sends_without_the_parameter(aws):
    v2().send_messages([message(["ann@example.net", "bob@example.net"])])

    (call,) = aws.calls("sesv2", "SendEmail")
    assert "ListManagementOptions" not in call.json


def test_an_unknown_contact_list_is_refused_by_ses(aws):
    email = message(["ann@example.net"], ses_list_management={"ContactListName": "Nope"})

    with pytest.raises(SESError, match="Nope"):
        v2().send_messages([email])

    assert aws.sent_messages() == []


def test_an_unknown_topic_is_refused_by_ses(aws, contact_list):
    email = message(
        ["ann@example.net"],
        ses_list_management={"ContactListName": "Newsletter", "TopicName": "daily"},
    )

    with pytest.raises(SESError, match="daily"):
        v2().send_messages([email])


def test_a_contact_who_unsubscribed_bounces(aws, contact_list):
    contact_list.create_contact(
        ContactListName="Newsletter", EmailAddress="ann@example.net", UnsubscribeAll=True
    )

    v2().send_messages(
        [message(["ann@example.net", "bob@example.net"], ses_list_management=NEWSLETTER)]
    )

    outcomes = {m.destinations[0]: m.outcomes for m in aws.sent_messages()}
    assert outcomes["ann@example.net"] == {"ann@example.net": ("Bounce",)}
    assert outcomes["bob@example.net"] != {"bob@example.net": ("Bounce",)}


def test_on_ses_v1_list_management_is_a_clear_error_before_any_call(aws):
    email = message(["ann@example.net"], ses_list_management=NEWSLETTER)

    with pytest.raises(InvalidMessageError, match="SES v2"):
        SESBackend(use_ses_v2=False).send_messages([email])

    assert aws.calls("ses", "SendRawEmail") == []


@pytest.mark.parametrize(
    ("value", "problem"),
    [
        ("Newsletter", "must be a mapping"),
        ({}, "ContactListName"),
        ({"ContactListName": ""}, "non-empty string"),
        ({"ContactListName": "N", "TopicName": 3}, "TopicName"),
        ({"ContactListName": "N", "Topic": "weekly"}, "unknown keys"),
    ],
)
def test_a_bad_value_is_a_clear_error(value, problem):
    with pytest.raises(InvalidMessageError, match=problem):
        v2().send_messages([message(["ann@example.net"], ses_list_management=value)])


def test_own_unsubscribe_headers_and_list_management_conflict(settings):
    settings.AWS_SES_UNSUBSCRIBE_BASE_URL = "https://www.example.com"
    email = message(["ann@example.net"], ses_list_management=NEWSLETTER, ses_unsubscribe=True)

    with pytest.raises(InvalidMessageError, match="ses_list_management = False"):
        v2().send_messages([email])


def test_a_templated_bulk_message_goes_as_one_templated_send_email_each(aws, contact_list):
    templates = LocalTemplates(aws).install()
    templates.templates["news"] = {"Subject": "News for {{name}}", "Text": "Hi {{name}}"}
    email = EmailMessage(from_email="sender@example.com", to=["ann@example.net", "bob@example.net"])
    email.ses_template = "news"  # type: ignore[attr-defined]
    email.ses_recipient_data = {  # type: ignore[attr-defined]
        "ann@example.net": {"name": "Ann"},
        "bob@example.net": {"name": "Bob"},
    }
    email.ses_list_management = NEWSLETTER  # type: ignore[attr-defined]

    assert v2().send_messages([email]) == 1

    assert aws.calls("sesv2", "SendBulkEmail") == []
    calls = aws.calls("sesv2", "SendEmail")
    assert [c.json["ListManagementOptions"] for c in calls] == [NEWSLETTER, NEWSLETTER]
    assert sorted(r.subject for r in templates.sent) == ["News for Ann", "News for Bob"]
