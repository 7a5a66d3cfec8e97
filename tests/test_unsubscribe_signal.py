"""unsubscribe_received and its default receiver, which blacklists the address."""

from __future__ import annotations

import pytest
from django.test import override_settings

from django_ses import signals
from django_ses.models import BlacklistedEmail

pytestmark = pytest.mark.django_db


def unsubscribe(email: str, list_name: str = "") -> None:
    signals.unsubscribe_received.send(sender=None, email=email, list_name=list_name, request=None)


def test_the_default_receiver_blacklists_with_the_reason_unsubscribed():
    unsubscribe("Ann@Example.NET")

    entry = BlacklistedEmail.objects.get()
    assert (entry.email, entry.reason, entry.source) == (
        "ann@example.net",
        "unsubscribed",
        "unsubscribe link",
    )


def test_the_source_names_the_list():
    unsubscribe("ann@example.net", "weekly")

    assert BlacklistedEmail.objects.get().source == "unsubscribe link: weekly"


def test_the_default_receiver_is_idempotent():
    unsubscribe("ann@example.net")
    unsubscribe("ann@example.net")

    assert BlacklistedEmail.objects.count() == 1


@override_settings(AWS_SES_UNSUBSCRIBE_BLACKLIST=False)
def test_the_setting_turns_the_default_receiver_off():
    unsubscribe("ann@example.net")

    assert not BlacklistedEmail.objects.exists()


def test_disconnecting_the_default_receiver_turns_it_off():
    signals.unsubscribe_received.disconnect(signals.unsubscribe_handler)
    try:
        unsubscribe("ann@example.net")
    finally:
        signals.connect_blacklist_handlers()

    assert not BlacklistedEmail.objects.exists()
