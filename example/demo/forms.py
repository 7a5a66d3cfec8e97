from __future__ import annotations

from email.utils import getaddresses, parseaddr
from typing import Any

from django import forms
from django.conf import settings
from django.core.exceptions import ValidationError
from django.core.validators import validate_email

MAX_ATTACHMENT_BYTES = 5 * 1024 * 1024


def one_line(value: str) -> None:
    """A header value: no line breaks or other control characters."""
    if any(ord(c) < 32 or ord(c) == 127 for c in value):
        raise ValidationError("Use one line, without line breaks or control characters.")


SIMULATOR_ADDRESSES = [
    ("success@simulator.amazonses.com", "delivered: a Delivery event"),
    (
        "bounce@simulator.amazonses.com",
        "hard bounce: a Bounce event, and the address is blacklisted",
    ),
    ("complaint@simulator.amazonses.com", "delivered, then marked as spam: Delivery and Complaint"),
    ("ooto@simulator.amazonses.com", "delivered to an out-of-office mailbox: a Delivery event"),
    ("suppressionlist@simulator.amazonses.com", "on the suppression list: a Bounce event"),
]


def _check_address(value: str) -> str:
    _, address = parseaddr(value)
    try:
        validate_email(address)
    except ValidationError:
        raise ValidationError(f"{value!r} is not a valid email address.") from None
    return value.strip()


class AddressField(forms.CharField):
    """One address, with or without a display name."""

    default_validators = [one_line]

    def clean(self, value: Any) -> str:
        value = super().clean(value)
        return _check_address(value) if value else value


class AddressListField(forms.CharField):
    """Addresses separated by commas; returns a list."""

    default_validators = [one_line]

    def clean(self, value: Any) -> list[str]:  # type: ignore[override]
        text = super().clean(value)
        if not text:
            return []
        return [
            _check_address(f'"{name}" <{address}>' if name else address)
            for name, address in getaddresses([text])
            if name or address
        ]


class SendForm(forms.Form):
    from_email = AddressField(
        label="From",
        initial=settings.DEFAULT_FROM_EMAIL,
        help_text=f"The local SES accepts any address at {settings.EXAMPLE_SENDER_DOMAIN}.",
    )
    to = AddressListField(
        initial="success@simulator.amazonses.com",
        widget=forms.TextInput(attrs={"list": "simulator-addresses", "autofocus": True}),
        help_text="Separate several addresses with commas.",
    )
    cc = AddressListField(label="Cc", required=False)
    bcc = AddressListField(label="Bcc", required=False)
    subject = forms.CharField(
        max_length=200, initial="Hello from django_ses", validators=[one_line]
    )
    text = forms.CharField(
        label="Text body",
        widget=forms.Textarea(attrs={"rows": 4}),
        initial="This message went through django_ses.SESBackend to the local SES.",
    )
    html = forms.CharField(
        label="HTML body (optional)",
        widget=forms.Textarea(attrs={"rows": 3}),
        required=False,
        initial="<p>This message went through <b>django_ses.SESBackend</b>.</p>",
    )
    attachment = forms.FileField(required=False)
    unsubscribe = forms.BooleanField(
        label="One-click unsubscribe headers",
        required=False,
        initial=True,
        help_text="Each recipient gets their own List-Unsubscribe URL (RFC 8058); the "
        "What SES received page links to it.",
    )

    def clean_attachment(self) -> Any:
        upload = self.cleaned_data.get("attachment")
        if upload is not None and upload.size > MAX_ATTACHMENT_BYTES:
            raise ValidationError("Attach at most 5 MB in this demo.")
        return upload


class IncomingMailForm(forms.Form):
    route = forms.ChoiceField(
        label="Receipt rule",
        choices=[
            ("sns", f"to {settings.EXAMPLE_INBOUND_ADDRESS}: SNS action, the whole message in SNS"),
            ("s3", f"to {settings.EXAMPLE_INBOUND_S3_ADDRESS}: S3 action, stored in a bucket"),
        ],
        initial="sns",
        widget=forms.RadioSelect,
    )
    mail_from = AddressField(label="From", initial="Ada Lovelace <ada@example.org>")
    subject = forms.CharField(
        max_length=200, initial="Question about my order", validators=[one_line]
    )
    text = forms.CharField(
        label="Text body",
        widget=forms.Textarea(attrs={"rows": 3}),
        initial="Hello! Could you tell me when my order ships? Thanks, Ada",
    )
    with_attachment = forms.BooleanField(
        label="Attach a small text file", required=False, initial=True
    )
