"""The one-click unsubscribe headers (RFC 2369, RFC 8058) and the recipient's URL."""

from __future__ import annotations

import pytest
from django.test import override_settings

from django_ses.exceptions import InvalidMessageError
from django_ses.unsubscribe.headers import header_block, one_click_headers
from django_ses.unsubscribe.links import unsubscribe_url
from django_ses.unsubscribe.tokens import read_token


def test_the_two_headers_of_a_url() -> None:
    assert one_click_headers("https://www.example.com/u/abc/") == (
        ("List-Unsubscribe", "<https://www.example.com/u/abc/>"),
        ("List-Unsubscribe-Post", "List-Unsubscribe=One-Click"),
    )


@pytest.mark.parametrize(
    "url", ["/u/abc/", "mailto:u@example.com", "https://example.com/a b", "https://é.example/"]
)
def test_a_url_that_cannot_be_a_one_click_header_is_refused(url: str) -> None:
    with pytest.raises(InvalidMessageError, match="unsubscribe URL"):
        one_click_headers(url)


def test_a_url_longer_than_ses_takes_is_refused() -> None:
    with pytest.raises(InvalidMessageError, match="at most"):
        one_click_headers("https://example.com/" + "a" * 1000)


def test_the_header_block_is_crlf_lines() -> None:
    block = header_block(one_click_headers("https://example.com/u/t/"))

    assert block == (
        b"List-Unsubscribe: <https://example.com/u/t/>\r\n"
        b"List-Unsubscribe-Post: List-Unsubscribe=One-Click\r\n"
    )


@override_settings(AWS_SES_UNSUBSCRIBE_BASE_URL="https://www.example.com/")
def test_the_url_is_the_base_url_and_the_views_path_with_the_recipients_token() -> None:
    url = unsubscribe_url("ann@example.net", "news")

    prefix = "https://www.example.com/admin/django-ses/unsubscribe/"
    assert url.startswith(prefix) and url.endswith("/")
    token = url[len(prefix) : -1]
    assert read_token(token).email == "ann@example.net"
    assert read_token(token).list_name == "news"


def test_without_a_base_url_no_url_can_be_made() -> None:
    with pytest.raises(InvalidMessageError, match="AWS_SES_UNSUBSCRIBE_BASE_URL"):
        unsubscribe_url("ann@example.net")


@override_settings(
    AWS_SES_UNSUBSCRIBE_BASE_URL="https://www.example.com",
    AWS_SES_UNSUBSCRIBE_URL_NAME="no-such-url",
)
def test_a_url_name_without_a_pattern_is_a_clear_error() -> None:
    with pytest.raises(InvalidMessageError, match="AWS_SES_UNSUBSCRIBE_URL_NAME"):
        unsubscribe_url("ann@example.net")
