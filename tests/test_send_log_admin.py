"""The send log's admin: the list's filters and search, and each message's timeline."""

from __future__ import annotations

import pytest
from django.urls import reverse

from django_ses.events import normalize_event
from django_ses.models import SentMessage, SentRecipient
from django_ses.send_log.keys import recipient_key
from django_ses.send_log.receiver import record_event
from tests.send_log_events import ses_event

pytestmark = pytest.mark.django_db

CHANGELIST = "admin:django_ses_sentmessage_changelist"


def logged(message_id: str, *recipients: str, **fields) -> SentMessage:
    keys = [recipient_key(r) for r in recipients]
    row = SentMessage.objects.create(message_id=message_id, recipients=keys, **fields)
    SentRecipient.objects.bulk_create(SentRecipient(message=row, recipient=k) for k in keys)
    return row


def listed(admin_client, **query) -> list[str]:
    response = admin_client.get(reverse(CHANGELIST), query)
    assert response.status_code == 200
    return sorted(str(r.message_id) for r in response.context["cl"].result_list)


@pytest.fixture
def messages():
    logged("m-alice", "alice@example.com", tags={"campaign": "spring"}, configuration_set="news")
    logged("m-bob", "bob@example.com", tags={"campaign": "autumn"})
    record_event(normalize_event(ses_event("bounce", "m-bob", ["bob@example.com"])))


def test_the_list_filters_by_recipient_state(admin_client, messages):
    assert listed(admin_client, state="bounced") == ["m-bob"]
    assert listed(admin_client, state="accepted") == ["m-alice"]


def test_the_list_filters_by_tag_and_configuration_set(admin_client, messages):
    assert listed(admin_client, tag="campaign=spring") == ["m-alice"]
    assert listed(admin_client, configuration_set="news") == ["m-alice"]


def test_search_finds_a_recipient_or_a_message_id(admin_client, messages):
    assert listed(admin_client, q="Bob@Example.com") == ["m-bob"]
    assert listed(admin_client, q="m-alice") == ["m-alice"]


def test_search_by_recipient_works_when_recipients_are_hashed(admin_client, settings):
    settings.AWS_SES_SEND_LOG_HASH_RECIPIENTS = True
    logged("m-hashed", "carol@example.com")

    assert listed(admin_client, q="carol@example.com") == ["m-hashed"]


def test_a_message_page_shows_each_recipients_timeline_with_the_raw_event(admin_client, messages):
    row = SentMessage.objects.get(message_id="m-bob")
    url = reverse("admin:django_ses_sentmessage_change", args=[row.pk])

    page = admin_client.get(url).content.decode()

    assert "bob@example.com — Bounced (Permanent/General)" in page
    assert "<summary>raw event</summary>" in page
    assert "bouncedRecipients" in page
    event_url = reverse("admin:django_ses_sentmessageevent_change", args=[row.events.get().pk])
    assert event_url in page
    assert admin_client.get(event_url).status_code == 200
