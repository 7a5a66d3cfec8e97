"""Unsubscribe tokens: signed with SECRET_KEY and a salt, per address and list, expiring."""

from __future__ import annotations

import time

import pytest
from django.test import override_settings

from django_ses.unsubscribe.tokens import (
    ExpiredToken,
    InvalidToken,
    UnsubscribeToken,
    make_token,
    read_token,
)


def test_a_token_gives_back_its_address_and_list() -> None:
    assert read_token(make_token("ann@example.net", "newsletter")) == UnsubscribeToken(
        "ann@example.net", "newsletter"
    )


def test_a_token_without_a_list_is_for_all_mail() -> None:
    assert read_token(make_token("ann@example.net")).list_name == ""


def test_tokens_are_url_path_safe() -> None:
    token = make_token("someone.with+tag@example.net", "list/with/slashes")

    assert set(token) <= set("abcdefghijklmnopqrstuvwxyzABCDEFGHIJKLMNOPQRSTUVWXYZ0123456789-_:.")


def test_each_address_gets_its_own_token() -> None:
    assert make_token("ann@example.net") != make_token("bob@example.net")


def test_a_changed_token_is_invalid() -> None:
    token = make_token("ann@example.net")
    tampered = token[:-3] + ("AAA" if not token.endswith("AAA") else "BBB")

    with pytest.raises(InvalidToken):
        read_token(tampered)


@pytest.mark.parametrize("text", ["", "nonsense", "a:b:c", "é:é"])
def test_text_that_is_no_token_is_invalid(text: str) -> None:
    with pytest.raises(InvalidToken):
        read_token(text)


def test_a_token_of_another_salt_is_invalid() -> None:
    with override_settings(AWS_SES_UNSUBSCRIBE_SALT="another"):
        token = make_token("ann@example.net")

    with pytest.raises(InvalidToken):
        read_token(token)


def test_a_token_of_another_secret_key_is_invalid() -> None:
    with override_settings(SECRET_KEY="another-key-entirely"):
        token = make_token("ann@example.net")

    with pytest.raises(InvalidToken):
        read_token(token)


def test_a_token_of_a_fallback_key_still_works_after_rotation() -> None:
    with override_settings(SECRET_KEY="the-old-key-of-this-site"):
        token = make_token("ann@example.net")

    with override_settings(SECRET_KEY_FALLBACKS=["the-old-key-of-this-site"]):
        assert read_token(token).email == "ann@example.net"


def test_an_old_token_expires() -> None:
    token = make_token("ann@example.net")
    time.sleep(1.1)

    with override_settings(AWS_SES_UNSUBSCRIBE_MAX_AGE_DAYS=1 / 86400), pytest.raises(ExpiredToken):
        read_token(token)


def test_an_expired_token_is_also_an_invalid_one() -> None:
    assert issubclass(ExpiredToken, InvalidToken)


@override_settings(AWS_SES_UNSUBSCRIBE_MAX_AGE_DAYS=None)
def test_no_max_age_means_tokens_never_expire() -> None:
    assert read_token(make_token("ann@example.net")).email == "ann@example.net"
