"""The blacklist receivers of django-ses: ``bounce_handler`` and ``complaint_handler``.

They are connected to ``bounce_received`` and ``complaint_received`` when the
app is ready, as in django-ses; disconnecting one turns that auto-blacklisting
off, and calling one directly does what django-ses's does.
"""

from __future__ import annotations

from collections.abc import Iterator

import pytest

from django_ses import signals
from django_ses.models import BlacklistedEmail
from tests.test_webhook_events import record

pytestmark = pytest.mark.django_db


@pytest.fixture
def bounce_handler_off() -> Iterator[None]:
    assert signals.bounce_received.disconnect(signals.bounce_handler)
    try:
        yield
    finally:
        signals.bounce_received.connect(signals.bounce_handler)


def test_the_handlers_are_connected_when_the_app_is_ready():
    # disconnect() says whether the receiver was connected.
    try:
        assert signals.bounce_received.disconnect(signals.bounce_handler)
        assert signals.complaint_received.disconnect(signals.complaint_handler)
    finally:
        signals.connect_blacklist_handlers()
    signals.connect_blacklist_handlers()  # idempotent: still connected once
    try:
        assert signals.bounce_received.disconnect(signals.bounce_handler)
        assert not signals.bounce_received.disconnect(signals.bounce_handler)
    finally:
        signals.connect_blacklist_handlers()


def test_disconnecting_bounce_handler_turns_bounce_blacklisting_off(
    sns, settings, bounce_handler_off
):
    settings.AWS_SES_ADD_BOUNCE_TO_BLACKLIST = True
    assert sns.notify(record("bounce")).status_code == 200
    assert not BlacklistedEmail.objects.exists()


def test_complaints_are_still_blacklisted_while_bounce_handler_is_disconnected(
    sns, settings, bounce_handler_off
):
    settings.AWS_SES_ADD_COMPLAINT_TO_BLACKLIST = True
    assert sns.notify(record("notification_complaint")).status_code == 200
    assert list(BlacklistedEmail.objects.values_list("email", flat=True)) == ["richard@example.com"]


def test_bounce_handler_called_with_django_ses_arguments_blacklists_permanent_bounces(settings):
    settings.AWS_SES_ADD_BOUNCE_TO_BLACKLIST = True
    raw = record("bounce")
    raw["bounce"]["bouncedRecipients"] = [
        {"emailAddress": "Gone@Example.com", "status": "5.1.1"},
        {"emailAddress": "full@example.com", "status": "4.2.2"},
    ]

    signals.bounce_handler(None, mail_obj=raw["mail"], bounce_obj=raw["bounce"], raw_message=b"")

    entry = BlacklistedEmail.objects.get()
    assert entry.email == "gone@example.com"
    assert entry.reason == BlacklistedEmail.Reason.BOUNCE


def test_bounce_handler_does_nothing_while_the_setting_is_off():
    raw = record("bounce")
    signals.bounce_handler(None, mail_obj=raw["mail"], bounce_obj=raw["bounce"], raw_message=b"")
    assert not BlacklistedEmail.objects.exists()


def test_complaint_handler_called_with_django_ses_arguments_blacklists_the_complainers(settings):
    settings.AWS_SES_ADD_COMPLAINT_TO_BLACKLIST = True
    raw = record("notification_complaint")

    signals.complaint_handler(
        None, raw["mail"], raw["complaint"], b"{}", extra="receivers take **kwargs"
    )

    entry = BlacklistedEmail.objects.get()
    assert entry.email == "richard@example.com"
    assert entry.reason == BlacklistedEmail.Reason.COMPLAINT
    assert entry.source == raw["complaint"]["feedbackId"]
