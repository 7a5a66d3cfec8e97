"""django_ses.sending.template_request: SendEmail and SendBulkEmail parameters for a template.

Every parameter set is checked against botocore's own model of SES v2.
"""

from __future__ import annotations

import json
from typing import Any

import botocore.session
import pytest
from botocore.validate import ParamValidator
from django.core.mail import EmailMessage

from django_ses.sending.mime import message_recipients
from django_ses.sending.request import Envelope, chunk_recipients
from django_ses.sending.template import TemplateSpec, template_spec
from django_ses.sending.template_request import v2_bulk_params, v2_template_params

_MODEL = botocore.session.get_session().get_service_model("sesv2")


def valid_for(operation: str, params: dict[str, Any]) -> dict[str, Any]:
    report = ParamValidator().validate(params, _MODEL.operation_model(operation).input_shape)
    assert not report.has_errors(), report.generate_report()
    return params


def make(to: list[str], **attributes: object) -> tuple[TemplateSpec, EmailMessage]:
    message = EmailMessage(from_email="sender@example.com", to=to)
    for name, value in attributes.items():
        setattr(message, name, value)
    spec = template_spec(message, message_recipients(message))
    assert spec is not None
    return spec, message


PARTS: dict[str, Any] = {
    "sender": "sender@example.com",
    "envelope": Envelope(return_path="bounces@example.com"),
    "configuration_set": "tracking",
    "tags": {"app": "shop"},
}


def test_a_stored_template_goes_through_send_email_with_template_content():
    spec, message = make(["alice@example.com"], ses_template="welcome", ses_template_data={"n": 1})

    params = valid_for("SendEmail", v2_template_params(spec, message_recipients(message), **PARTS))

    assert params["Content"] == {"Template": {"TemplateName": "welcome", "TemplateData": '{"n":1}'}}
    assert params["Destination"] == {"ToAddresses": ["alice@example.com"]}
    assert params["ConfigurationSetName"] == "tracking"
    assert params["FeedbackForwardingEmailAddress"] == "bounces@example.com"
    assert params["EmailTags"] == [{"Name": "app", "Value": "shop"}]


def test_inline_content_with_an_attachment_and_headers():
    content = {"subject": "Hi {{n}}", "html": "<b>{{n}}</b>"}
    message = EmailMessage(from_email="s@example.com", to=["alice@example.com"])
    message.ses_template_content = content  # type: ignore[attr-defined]
    message.extra_headers["List-Unsubscribe"] = "<https://example.com/u>"
    message.attach("a.txt", "attached", "text/plain")
    spec = template_spec(message, message_recipients(message))
    assert spec is not None

    params = valid_for("SendEmail", v2_template_params(spec, message_recipients(message), **PARTS))

    template = params["Content"]["Template"]
    assert template["TemplateContent"] == {"Subject": "Hi {{n}}", "Html": "<b>{{n}}</b>"}
    assert template["Headers"] == [{"Name": "List-Unsubscribe", "Value": "<https://example.com/u>"}]
    assert template["Attachments"][0]["RawContent"] == b"attached"


def test_one_recipient_with_own_data_uses_send_email_with_that_data():
    spec, message = make(
        ["alice@example.com"],
        ses_template="t",
        ses_template_data={"shop": "Acme"},
        ses_recipient_data={"alice@example.com": {"name": "Alice"}},
        ses_recipient_tags={"alice@example.com": {"segment": "a"}},
    )

    params = valid_for("SendEmail", v2_template_params(spec, message_recipients(message), **PARTS))

    assert json.loads(params["Content"]["Template"]["TemplateData"]) == {
        "shop": "Acme",
        "name": "Alice",
    }
    assert {"Name": "segment", "Value": "a"} in params["EmailTags"]


def test_bulk_params_give_every_destination_its_own_entry():
    spec, message = make(
        ["alice@example.com", "bob@example.com"],
        ses_template="t",
        ses_template_data={"shop": "Acme"},
        ses_recipient_data={"alice@example.com": {"name": "Alice"}},
        ses_recipient_headers={"bob@example.com": {"List-Unsubscribe": "<https://u/b>"}},
        ses_recipient_tags={"bob@example.com": {"segment": "b"}},
    )

    params = valid_for("SendBulkEmail", v2_bulk_params(spec, message_recipients(message), **PARTS))

    assert params["DefaultContent"]["Template"]["TemplateData"] == '{"shop":"Acme"}'
    alice, bob = params["BulkEmailEntries"]
    assert alice["Destination"] == {"ToAddresses": ["alice@example.com"]}
    assert json.loads(
        alice["ReplacementEmailContent"]["ReplacementTemplate"]["ReplacementTemplateData"]
    ) == {"shop": "Acme", "name": "Alice"}
    assert bob["ReplacementHeaders"] == [{"Name": "List-Unsubscribe", "Value": "<https://u/b>"}]
    assert bob["ReplacementTags"] == [
        {"Name": "app", "Value": "shop"},
        {"Name": "segment", "Value": "b"},
    ]
    assert params["DefaultEmailTags"] == [{"Name": "app", "Value": "shop"}]


@pytest.mark.parametrize(("count", "calls"), [(1, [1]), (50, [50]), (51, [50, 1])])
def test_bulk_destinations_are_split_at_fifty_per_call(count, calls):
    addresses = [f"user{i}@example.com" for i in range(count)]
    spec, message = make(
        addresses,
        ses_template="t",
        ses_recipient_data={a: {"i": i} for i, a in enumerate(addresses)},
    )

    chunks = chunk_recipients(message_recipients(message))
    sizes = [
        len(valid_for("SendBulkEmail", v2_bulk_params(spec, chunk, **PARTS))["BulkEmailEntries"])
        for chunk in chunks
    ]

    assert sizes == calls


def test_tracking_and_esp_extra_reach_the_parameters():
    spec, message = make(
        ["alice@example.com"],
        ses_template="t",
        track_opens=False,
        esp_extra={"TenantName": "tenant-1"},
    )

    params = valid_for("SendEmail", v2_template_params(spec, message_recipients(message), **PARTS))

    assert params["ConfigurationOverrides"] == {"Tracking": {"OpenTrackingEnabled": "DISABLED"}}
    assert params["TenantName"] == "tenant-1"
