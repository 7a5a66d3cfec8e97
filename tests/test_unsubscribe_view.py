"""The unsubscribe page through Django's test client: GET confirms, a one-click POST unsubscribes.

Mail clients post ``List-Unsubscribe=One-Click`` without a CSRF token (RFC 8058):
the client here enforces CSRF checks, as a browser-less mail client would meet them.
"""

from __future__ import annotations

import time
from collections.abc import Iterator
from typing import Any

import pytest
from django.test import Client, override_settings
from django.urls import reverse

from django_ses import signals
from django_ses.models import BlacklistedEmail
from django_ses.unsubscribe.tokens import make_token

pytestmark = pytest.mark.django_db

ONE_CLICK = {"List-Unsubscribe": "One-Click"}


@pytest.fixture
def mail_client() -> Client:
    return Client(enforce_csrf_checks=True)


@pytest.fixture
def received() -> Iterator[list[dict[str, Any]]]:
    calls: list[dict[str, Any]] = []

    def receiver(sender: Any, **kwargs: Any) -> None:
        calls.append({"sender": sender, **kwargs})

    signals.unsubscribe_received.connect(receiver)
    yield calls
    signals.unsubscribe_received.disconnect(receiver)


def assert_nothing_done(received: list[dict[str, Any]]) -> None:
    assert received == []
    assert not BlacklistedEmail.objects.exists()


def assert_refused(response: Any, status: int, says: str, received: list[dict[str, Any]]) -> None:
    """Refused with ``status`` and a page that ``says`` why; nothing unsubscribed."""
    assert response.status_code == status
    assert says in response.content.decode()
    assert_nothing_done(received)


def url(token: str) -> str:
    return reverse("django_ses_unsubscribe", kwargs={"token": token})


def test_get_shows_a_confirmation_page_with_a_button_that_posts(mail_client, received) -> None:
    response = mail_client.get(url(make_token("ann@example.net")))

    assert response.status_code == 200
    page = response.content.decode()
    assert "ann@example.net" in page
    assert '<form method="post">' in page
    assert 'name="List-Unsubscribe" value="One-Click"' in page
    assert_nothing_done(received)
    assert "no-cache" in response["Cache-Control"]


def test_a_one_click_post_blacklists_the_address_with_its_own_reason(mail_client) -> None:
    # multipart/form-data, as the test client (and some mail clients) encode it
    response = mail_client.post(url(make_token("ann@example.net", "news")), ONE_CLICK)

    assert response.status_code == 200
    assert "You are unsubscribed" in response.content.decode()
    entry = BlacklistedEmail.objects.get()
    assert entry.email == "ann@example.net"
    assert entry.reason == BlacklistedEmail.Reason.UNSUBSCRIBED
    assert entry.source == "unsubscribe link: news"


@pytest.mark.parametrize(
    ("content_type", "body"),
    [
        ("application/x-www-form-urlencoded", b"List-Unsubscribe=One-Click"),
        ("text/plain", b"List-Unsubscribe=One-Click\r\n"),
    ],
    ids=["form-urlencoded", "plain-text"],
)
def test_the_one_click_body_of_a_mail_client_as_it_posts_it(mail_client, content_type, body):
    response = mail_client.post(
        url(make_token("ann@example.net")), data=body, content_type=content_type
    )

    assert response.status_code == 200
    assert BlacklistedEmail.objects.filter(email="ann@example.net").exists()


def test_the_signal_says_who_unsubscribed_from_what(mail_client, received) -> None:
    mail_client.post(url(make_token("ann@example.net", "news")), ONE_CLICK)

    (call,) = received
    assert call["email"] == "ann@example.net"
    assert call["list_name"] == "news"
    assert call["request"].method == "POST"


def test_a_repeated_post_answers_the_same_and_leaves_one_entry(mail_client, received) -> None:
    token = make_token("ann@example.net")

    first = mail_client.post(url(token), ONE_CLICK)
    second = mail_client.post(url(token), ONE_CLICK)

    assert first.status_code == second.status_code == 200
    assert first.content == second.content
    assert BlacklistedEmail.objects.count() == 1
    assert len(received) == 2


def test_an_address_already_blacklisted_keeps_its_entry(mail_client) -> None:
    BlacklistedEmail.objects.create(email="ann@example.net", reason="bounce")

    assert mail_client.post(url(make_token("ann@example.net")), ONE_CLICK).status_code == 200
    assert BlacklistedEmail.objects.get().reason == "bounce"


@override_settings(AWS_SES_UNSUBSCRIBE_BLACKLIST=False)
def test_blacklisting_can_be_turned_off_and_the_signal_still_comes(mail_client, received) -> None:
    assert mail_client.post(url(make_token("ann@example.net")), ONE_CLICK).status_code == 200

    assert not BlacklistedEmail.objects.exists()
    assert [call["email"] for call in received] == ["ann@example.net"]


def test_a_post_without_the_one_click_body_is_refused(mail_client, received) -> None:
    response = mail_client.post(url(make_token("ann@example.net")), {"other": "field"})

    assert_refused(response, 400, "List-Unsubscribe=One-Click", received)


@pytest.mark.parametrize("method", ["get", "post"])
def test_a_tampered_token_answers_400_with_a_clear_page(mail_client, received, method) -> None:
    token = make_token("ann@example.net")
    tampered = token[:-4] + ("abcd" if not token.endswith("abcd") else "efgh")

    response = getattr(mail_client, method)(url(tampered), ONE_CLICK)

    assert_refused(response, 400, "not valid", received)


@pytest.mark.parametrize("method", ["get", "post"])
def test_an_expired_token_answers_410_with_a_clear_page(mail_client, received, method) -> None:
    token = make_token("ann@example.net")
    time.sleep(1.1)

    with override_settings(AWS_SES_UNSUBSCRIBE_MAX_AGE_DAYS=1 / 86400):
        response = getattr(mail_client, method)(url(token), ONE_CLICK)

    assert_refused(response, 410, "expired", received)


def test_other_methods_are_not_allowed(mail_client) -> None:
    assert mail_client.put(url(make_token("ann@example.net"))).status_code == 405


def test_pages_are_kept_out_of_search_engines(mail_client) -> None:
    assert mail_client.get(url(make_token("ann@example.net")))["X-Robots-Tag"] == "noindex"
