"""How a user's suite uses the local SES: the pytest plugin and the TestCase mixin.

These tests are written as docs/testing.rst shows them: a project's own sending
code and its own signal receiver, tested against the local SES.
"""

from __future__ import annotations

from django.core.mail import send_mail
from django.test import TestCase, override_settings

from django_ses import signals
from django_ses.testing.sns import TOPIC_ARN
from django_ses.testing.testcases import LocalSESMixin

BOUNCE = {
    "notificationType": "Bounce",
    "mail": {"messageId": "m-1", "destination": ["jane@example.org"]},
    "bounce": {
        "bounceType": "Permanent",
        "bounceSubType": "General",
        "bouncedRecipients": [{"emailAddress": "jane@example.org"}],
        "timestamp": "2025-01-01T00:00:00.000Z",
        "feedbackId": "f-1",
    },
}


def send_welcome(address: str) -> None:
    """A project's sending code."""
    send_mail("Welcome", "Hello!", "sender@example.com", [address])


def test_the_plugin_fixture_shows_what_was_sent(local_ses, ses_identity):
    send_welcome("jane@example.org")

    (sent,) = local_ses.sent_messages()
    assert sent.destinations == ["jane@example.org"]
    assert sent.message["Subject"] == "Welcome"
    assert sent.message.get_content().strip() == "Hello!"
    (call,) = local_ses.calls("ses", "SendRawEmail")
    assert call.params["Destinations.member.1"] == "jane@example.org"


def test_the_plugin_posts_signed_events_to_the_webhook(ses_events, settings, db):
    settings.AWS_SNS_EVENT_TRUSTED_TOPIC_ARNS = [TOPIC_ARN]
    bounced = []

    def on_bounce(sender, mail_obj, bounce_obj, **kwargs):
        bounced.extend(r["emailAddress"] for r in bounce_obj["bouncedRecipients"])

    signals.bounce_received.connect(on_bounce, weak=False, dispatch_uid="test-on-bounce")
    try:
        response = ses_events(BOUNCE)
    finally:
        signals.bounce_received.disconnect(dispatch_uid="test-on-bounce")
    assert response.status_code == 200
    assert bounced == ["jane@example.org"]


@override_settings(AWS_SNS_EVENT_TRUSTED_TOPIC_ARNS=[TOPIC_ARN])
class WelcomeMailTests(LocalSESMixin, TestCase):
    def test_the_mixin_shows_what_was_sent(self):
        self.verify_sender()
        send_welcome("jane@example.org")

        (sent,) = self.local_ses.sent_messages()
        self.assertEqual(sent.destinations, ["jane@example.org"])
        self.assertEqual(sent.subject, "Welcome")

    def test_the_mixin_posts_signed_events(self):
        response = self.post_ses_event(BOUNCE)
        self.assertEqual(response.status_code, 200)
