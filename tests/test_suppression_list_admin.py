"""The admin's page of the SES suppression list: view (paged), look up, add, remove.

Through the test client, against the local SES: what the page shows is what
the local SES answered, and what it changes is asserted on the requests it
received.
"""

from __future__ import annotations

import uuid

import pytest
from django.contrib.auth.models import Permission, User
from django.core.cache import caches
from django.test import Client
from django.urls import reverse

from django_ses.reporting.clients import ses_backend
from django_ses.sending.suppression_cache import cache_key
from tests.ses_fakes import SuppressionList

pytestmark = pytest.mark.django_db

LIST = "admin:django_ses_suppression_list"
ADD = "admin:django_ses_suppression_list_add"
REMOVE = "admin:django_ses_suppression_list_remove"


def page_entries(response) -> list[tuple[str, str]]:
    assert response.status_code == 200
    return [(e.email, e.reason) for e in response.context["entries"] or []]


def shown_messages(response) -> list[str]:
    return [str(m) for m in response.context["messages"]]


def staff(*permissions: str) -> Client:
    user = User.objects.create_user(f"staff-{uuid.uuid4().hex[:8]}", is_staff=True)
    for codename in permissions:
        user.user_permissions.add(Permission.objects.get(codename=codename))
    client = Client()
    client.force_login(user)
    return client


def test_the_blacklist_links_to_the_page(admin_client):
    page = admin_client.get(reverse("admin:django_ses_blacklistedemail_changelist"))

    assert reverse(LIST).encode() in page.content


def test_the_list_is_shown_page_by_page(admin_client, aws, settings):
    SuppressionList(aws, {f"user{i:03d}@example.com": "BOUNCE" for i in range(150)})

    first = admin_client.get(reverse(LIST))
    entries = page_entries(first)
    assert len(entries) == 100
    token = first.context["next_token"]
    assert f'href="{reverse(LIST)}?token={token}"'.encode() in first.content

    second = admin_client.get(reverse(LIST), {"token": token})
    assert len(page_entries(second)) == 50
    assert second.context["next_token"] is None
    assert {e for e, _ in entries} | {e for e, _ in page_entries(second)} == {
        f"user{i:03d}@example.com" for i in range(150)
    }
    calls = aws.calls("sesv2", "ListSuppressedDestinations")
    assert [c.query.get("NextToken") for c in calls] == [None, [token]]
    assert calls[0].query["PageSize"] == ["100"]


def test_the_list_filters_by_reason(admin_client, aws):
    SuppressionList(aws, {"a@example.com": "BOUNCE", "b@example.com": "COMPLAINT"})

    response = admin_client.get(reverse(LIST), {"reason": "COMPLAINT"})

    assert page_entries(response) == [("b@example.com", "COMPLAINT")]
    assert aws.calls("sesv2", "ListSuppressedDestinations")[0].query["Reason"] == ["COMPLAINT"]


def test_one_address_is_looked_up(admin_client, aws):
    SuppressionList(aws, {"a@example.com": "COMPLAINT"})

    found = admin_client.get(reverse(LIST), {"email": "a@example.com"})
    missing = admin_client.get(reverse(LIST), {"email": "zed@example.com"})

    assert page_entries(found) == [("a@example.com", "COMPLAINT")]
    assert page_entries(missing) == []
    assert b"zed@example.com is not on the SES suppression list." in missing.content
    assert len(aws.calls("sesv2", "GetSuppressedDestination")) == 2


def test_an_address_is_added_with_its_reason(admin_client, aws):
    fake = SuppressionList(aws)

    response = admin_client.post(
        reverse(ADD), {"email": "Jane <Jane@Example.com>", "reason": "COMPLAINT"}, follow=True
    )

    assert {a: r for a, (r, _) in fake.entries.items()} == {"jane@example.com": "COMPLAINT"}
    (call,) = aws.calls("sesv2", "PutSuppressedDestination")
    assert call.json == {"EmailAddress": "jane@example.com", "Reason": "COMPLAINT"}
    assert shown_messages(response) == [
        "jane@example.com is on the SES suppression list (complaint)."
    ]


def test_an_invalid_address_is_refused_before_calling_ses(admin_client, aws):
    response = admin_client.post(reverse(ADD), {"email": "nope", "reason": "BOUNCE"}, follow=True)

    assert aws.calls("sesv2", "PutSuppressedDestination") == []
    (message,) = shown_messages(response)
    assert message.startswith("Not added:")


def test_an_address_is_removed(admin_client, aws):
    fake = SuppressionList(aws, {"a@example.com": "BOUNCE"})

    response = admin_client.post(reverse(REMOVE), {"email": "a@example.com"}, follow=True)

    assert fake.entries == {}
    (call,) = aws.calls("sesv2", "DeleteSuppressedDestination")
    assert call.method == "DELETE"
    assert call.raw_path == "/v2/email/suppression/addresses/a%40example.com"
    assert shown_messages(response) == ["a@example.com was removed from the SES suppression list."]


def test_removing_an_address_that_is_not_listed_says_so(admin_client, aws):
    SuppressionList(aws)

    response = admin_client.post(reverse(REMOVE), {"email": "zed@example.com"}, follow=True)

    assert shown_messages(response) == ["zed@example.com is not on the SES suppression list."]


def test_adding_and_removing_forget_the_pre_send_checks_cached_answers(admin_client, aws):
    SuppressionList(aws, {"a@example.com": "BOUNCE"})
    account = ses_backend().throttle_key
    cache = caches["default"]
    cache.set_many(
        {cache_key(account, "a@example.com"): "BOUNCE", cache_key(account, "b@x.org"): ""}
    )

    admin_client.post(reverse(REMOVE), {"email": "a@example.com"})
    admin_client.post(reverse(ADD), {"email": "b@x.org", "reason": "BOUNCE"})

    assert cache.get(cache_key(account, "a@example.com")) is None
    assert cache.get(cache_key(account, "b@x.org")) is None


@pytest.mark.parametrize(
    "code, status", [("TooManyRequestsException", 429), ("InternalFailure", 500)]
)
def test_an_ses_error_is_a_message_never_a_server_error(admin_client, aws, code, status):
    for operation in (
        "ListSuppressedDestinations",
        "PutSuppressedDestination",
        "DeleteSuppressedDestination",
    ):
        aws.fail("sesv2", operation, code, status=status)

    listing = admin_client.get(reverse(LIST))
    added = admin_client.post(
        reverse(ADD), {"email": "a@example.com", "reason": "BOUNCE"}, follow=True
    )
    removed = admin_client.post(reverse(REMOVE), {"email": "a@example.com"}, follow=True)

    assert listing.status_code == 200
    assert listing.context["entries"] is None
    (listed,) = shown_messages(listing)
    assert listed.startswith("SES did not answer with the suppression list:")
    assert shown_messages(added)[0].startswith("SES did not add a@example.com:")
    assert shown_messages(removed)[0].startswith("SES did not remove a@example.com:")


def test_viewing_needs_the_blacklist_view_permission(aws):
    SuppressionList(aws)

    assert staff().get(reverse(LIST)).status_code == 403
    viewer = staff("view_blacklistedemail")
    page = viewer.get(reverse(LIST))
    assert page.status_code == 200
    assert page.context["may_change"] is False
    assert b"Add to the SES suppression list" not in page.content


def test_adding_and_removing_need_the_blacklist_change_permission(aws):
    fake = SuppressionList(aws, {"a@example.com": "BOUNCE"})
    viewer = staff("view_blacklistedemail")

    assert viewer.post(reverse(ADD), {"email": "b@x.org", "reason": "BOUNCE"}).status_code == 403
    assert viewer.post(reverse(REMOVE), {"email": "a@example.com"}).status_code == 403
    assert list(fake.entries) == ["a@example.com"]
    assert aws.calls("sesv2") == []

    editor = staff("view_blacklistedemail", "change_blacklistedemail")
    assert editor.post(reverse(REMOVE), {"email": "a@example.com"}).status_code == 302
    assert fake.entries == {}


def test_anonymous_users_are_sent_to_the_login_page(client, aws):
    response = client.get(reverse(LIST))

    assert response.status_code == 302
    assert reverse("admin:login") in response["Location"]


def test_changes_are_post_only_and_csrf_protected(aws, admin_user):
    SuppressionList(aws, {"a@example.com": "BOUNCE"})
    client = Client(enforce_csrf_checks=True)
    client.force_login(admin_user)

    assert client.get(reverse(REMOVE), {"email": "a@example.com"}).status_code == 405
    assert client.post(reverse(REMOVE), {"email": "a@example.com"}).status_code == 403
    assert aws.calls("sesv2") == []
