"""django_ses.sending.template: a templated message, read from ours and django-anymail's attributes.

Every mistake is an InvalidMessageError before any call.
"""

from __future__ import annotations

import json

import pytest
from django.core.mail import EmailMessage

from django_ses.exceptions import InvalidMessageError
from django_ses.sending.mime import message_recipients
from django_ses.sending.template import (
    ANYMAIL_ATTRIBUTES,
    MAX_TEMPLATE_DATA,
    TemplateSpec,
    is_templated,
    template_spec,
)


def make(to: list[str] | None = None, **attributes: object) -> EmailMessage:
    message = EmailMessage(from_email="sender@example.com", to=to or ["alice@example.com"])
    for name, value in attributes.items():
        setattr(message, name, value)
    return message


def spec_of(message: EmailMessage) -> TemplateSpec:
    spec = template_spec(message, message_recipients(message))
    assert spec is not None
    return spec


def test_an_ordinary_message_has_no_spec():
    message = EmailMessage("Hi", "Body", "sender@example.com", ["alice@example.com"])

    assert not is_templated(message)
    assert template_spec(message, message_recipients(message)) is None


def test_a_stored_template_by_name_with_global_data():
    spec = spec_of(make(ses_template="welcome", ses_template_data={"name": "Alice"}))

    assert (spec.name, spec.arn) == ("welcome", None)
    assert json.loads(spec.data) == {"name": "Alice"}
    assert not spec.is_bulk


def test_a_stored_template_by_arn():
    arn = "arn:aws:ses:us-east-1:123456789012:template/welcome"

    spec = spec_of(make(ses_template=arn))

    assert (spec.name, spec.arn) == (None, arn)


def test_inline_content_becomes_ses_template_content():
    content = {"subject": "Hi {{name}}", "text": "Hello {{name}}", "html": "<p>{{name}}</p>"}

    spec = spec_of(make(ses_template_content=content))

    assert spec.content == {
        "Subject": "Hi {{name}}",
        "Text": "Hello {{name}}",
        "Html": "<p>{{name}}</p>",
    }


def test_per_recipient_data_is_merged_over_the_global_data():
    message = make(
        to=["alice@example.com", "Bob <bob@example.com>"],
        ses_template="welcome",
        ses_template_data={"shop": "Acme", "name": "friend"},
        ses_recipient_data={"alice@example.com": {"name": "Alice"}, "BOB@example.com": {}},
    )

    spec = spec_of(message)

    assert spec.is_bulk
    assert json.loads(spec.personalisations["alice@example.com"].data or "") == {
        "shop": "Acme",
        "name": "Alice",
    }
    assert json.loads(spec.personalisations["bob@example.com"].data or "") == {
        "shop": "Acme",
        "name": "friend",
    }


def test_per_recipient_headers_tags_and_metadata():
    message = make(
        to=["alice@example.com", "bob@example.com"],
        ses_template="news",
        ses_metadata={"campaign": "dec"},
        ses_recipient_headers={"alice@example.com": {"List-Unsubscribe": "<https://u/a>"}},
        ses_recipient_tags={"bob@example.com": {"segment": "b"}},
        ses_recipient_metadata={"bob@example.com": {"user": 2}},
    )

    spec = spec_of(message)

    assert spec.personalisations["alice@example.com"].headers == (
        ("List-Unsubscribe", "<https://u/a>"),
    )
    bob = spec.personalisations["bob@example.com"]
    assert dict(bob.tags) == {"segment": "b"}
    assert json.loads(dict(bob.headers)["X-Metadata"]) == {"campaign": "dec", "user": 2}
    assert json.loads(dict(spec.headers)["X-Metadata"]) == {"campaign": "dec"}


def test_attachments_and_reply_to_are_carried():
    message = make(ses_template="receipt", reply_to=["Help <help@example.com>"])
    message.attach("receipt.pdf", b"%PDF-1.4", "application/pdf")

    spec = spec_of(message)

    assert spec.reply_to == ("Help <help@example.com>",)
    assert [dict(a) for a in spec.attachments] == [
        {
            "RawContent": b"%PDF-1.4",
            "FileName": "receipt.pdf",
            "ContentType": "application/pdf",
            "ContentDisposition": "ATTACHMENT",
        }
    ]


def test_every_anymail_attribute_maps_onto_ours():
    message = make(
        to=["alice@example.com", "bob@example.com"],
        template_id="news",
        merge_global_data={"shop": "Acme"},
        merge_data={"alice@example.com": {"name": "Alice"}},
        merge_headers={"bob@example.com": {"List-Unsubscribe": "<https://u/b>"}},
        merge_metadata={"alice@example.com": {"user": 1}},
        metadata={"campaign": "dec"},
        tags=["newsletter"],
        esp_extra={"TenantName": "shop-1"},
        track_opens=True,
        track_clicks=False,
    )

    spec = spec_of(message)

    assert spec.name == "news"
    assert json.loads(spec.data) == {"shop": "Acme"}
    assert json.loads(spec.personalisations["alice@example.com"].data or "") == {
        "shop": "Acme",
        "name": "Alice",
    }
    assert dict(spec.personalisations["bob@example.com"].headers) == {
        "List-Unsubscribe": "<https://u/b>"
    }
    assert json.loads(dict(spec.personalisations["alice@example.com"].headers)["X-Metadata"]) == {
        "campaign": "dec",
        "user": 1,
    }
    assert ("X-Tag", "newsletter") in spec.headers
    assert spec.api_extra == {"TenantName": "shop-1"}
    assert dict(spec.tracking) == {
        "OpenTrackingEnabled": "ENABLED",
        "ClickTrackingEnabled": "DISABLED",
    }
    assert set(ANYMAIL_ATTRIBUTES) == {
        "template_id",
        "merge_global_data",
        "merge_data",
        "merge_headers",
        "merge_metadata",
        "metadata",
        "tags",
        "esp_extra",
        "track_opens",
        "track_clicks",
    }


def test_a_non_ascii_header_value_is_encoded_for_ses():
    spec = spec_of(make(ses_template="t", extra_headers={"X-Shop": "Café"}))

    assert dict(spec.headers)["X-Shop"].isascii()
    assert "utf-8" in dict(spec.headers)["X-Shop"]


@pytest.mark.parametrize(
    ("attributes", "error"),
    [
        ({"ses_template_data": {"when": object()}}, "not JSON-serialisable"),
        ({"ses_template_data": {"blob": "x" * MAX_TEMPLATE_DATA}}, "at most 262144"),
        ({"body": "Hello"}, "leave body empty"),
        ({"send_at": "2026-12-24"}, "send_at is not supported"),
        ({"envelope_sender": "b@example.com"}, "envelope_sender is not supported"),
        ({"ses_recipient_data": {"carol@example.com": {}}}, "carol@example.com, who is not"),
        ({"ses_recipient_data": {"alice@example.com": [1]}}, "must be a dict"),
        ({"ses_template_content": {"subject": "s"}}, "needs a 'subject' and a 'text'"),
        ({"ses_template_content": {"subject": "s", "body": "b"}}, "unknown keys"),
        ({"ses_template_content": {"subject": "s", "text": "t"}}, "give one of"),
        ({"template_id": "other"}, "both ses_template and django-anymail's template_id"),
        ({"ses_recipient_headers": {"alice@example.com": {"X-A": "a\nb"}}}, "line break"),
        ({"ses_recipient_tags": {"alice@example.com": {"bad tag": "x"}}}, "Invalid SES tag"),
        ({"cc": ["carol@example.com"], "merge_data": {"alice@example.com": {}}}, "Cc or Bcc"),
        ({"ses_template": 42}, "template name or ARN"),
    ],
)
def test_bad_input_is_refused_with_a_clear_error(attributes, error):
    attributes.setdefault("ses_template", "welcome")
    if attributes.get("ses_template_content") and "give one of" not in error:
        attributes.pop("ses_template")
    message = make(**attributes)

    with pytest.raises(InvalidMessageError, match=error):
        template_spec(message, message_recipients(message))


def test_per_recipient_data_without_a_template_is_refused():
    message = make(merge_data={"alice@example.com": {"name": "Alice"}})
    message.body = "Hello"

    with pytest.raises(InvalidMessageError, match="needs a template"):
        template_spec(message, message_recipients(message))
