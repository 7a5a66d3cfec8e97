"""The absolute unsubscribe URL of one recipient: base URL, URL pattern, signed token.

``AWS_SES_UNSUBSCRIBE_BASE_URL`` (``https://www.example.com``) in front of the
path Django reverses for ``AWS_SES_UNSUBSCRIBE_URL_NAME`` (the view of
``django_ses.urls``, ``django_ses_unsubscribe``, unless the project routes
:class:`~django_ses.unsubscribe.views.UnsubscribeView` under a name of its own).
"""

from __future__ import annotations

from django.urls import NoReverseMatch, reverse

from django_ses.conf import get_setting
from django_ses.exceptions import InvalidMessageError
from django_ses.unsubscribe.tokens import make_token

__all__ = ["unsubscribe_path", "unsubscribe_url"]


def unsubscribe_path(token: str) -> str:
    """The path of the unsubscribe view for ``token``.

    Raises :class:`~django_ses.exceptions.InvalidMessageError` when
    ``AWS_SES_UNSUBSCRIBE_URL_NAME`` names no URL pattern taking a token.
    """
    name = str(get_setting("AWS_SES_UNSUBSCRIBE_URL_NAME"))
    try:
        return reverse(name, kwargs={"token": token})
    except NoReverseMatch as error:
        raise InvalidMessageError(
            f"AWS_SES_UNSUBSCRIBE_URL_NAME is {name!r}, which names no URL pattern with a "
            "<token> argument: include('django_ses.urls') or route UnsubscribeView yourself."
        ) from error


def unsubscribe_url(email: str, list_name: str = "") -> str:
    """The absolute URL that unsubscribes ``email`` (a bare address) from ``list_name``.

    Raises :class:`~django_ses.exceptions.InvalidMessageError` when
    ``AWS_SES_UNSUBSCRIBE_BASE_URL`` is not set.
    """
    base = get_setting("AWS_SES_UNSUBSCRIBE_BASE_URL")
    if not base:
        raise InvalidMessageError(
            "The message asks for unsubscribe headers (ses_unsubscribe), but "
            "AWS_SES_UNSUBSCRIBE_BASE_URL is not set: set it to the site's scheme and host, "
            "such as 'https://www.example.com'."
        )
    return str(base).rstrip("/") + unsubscribe_path(make_token(email, list_name))
