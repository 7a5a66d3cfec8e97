"""The incoming message the Inbound page sends to the local SES."""

from __future__ import annotations

from email.message import EmailMessage
from email.utils import formatdate, make_msgid

from django.utils.html import escape


def build_incoming_message(
    *, mail_from: str, to: str, subject: str, text: str, with_attachment: bool
) -> bytes:
    message = EmailMessage()
    message["From"] = mail_from
    message["To"] = to
    message["Subject"] = subject
    message["Date"] = formatdate(localtime=False)
    message["Message-ID"] = make_msgid(domain="example.org")
    message.set_content(text)
    message.add_alternative(f"<p>{escape(text)}</p>", subtype="html")
    if with_attachment:
        message.add_attachment(
            b"Order 1042: 2 x tea, 1 x biscuits\n",
            maintype="text",
            subtype="plain",
            filename="order-1042.txt",
        )
    return message.as_bytes()
