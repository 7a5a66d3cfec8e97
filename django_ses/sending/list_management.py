"""SES list management of a message: its ``ListManagementOptions``, read and checked. Pure.

A message names the contact list (and optionally the topic) it belongs to with
``message.ses_list_management = {"ContactListName": "Newsletter", "TopicName":
"weekly"}``, or takes ``AWS_SES_LIST_MANAGEMENT_OPTIONS``;
``ses_list_management = False`` sends a message without the setting's. SES
then adds its own unsubscribe link and headers, and bounces mail to contacts
who unsubscribed.

``ListManagementOptions`` is a parameter of SES v2 ``SendEmail`` only: not of
v1, and not of ``SendBulkEmail``. SES adds its unsubscribe link only to a
message with a single recipient, so a message with list management is sent
with one ``SendEmail`` call per destination (templated ones included).
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

from django.core.mail import EmailMessage

from django_ses.exceptions import InvalidMessageError

__all__ = ["ATTRIBUTE", "list_management_options", "validate_list_management"]

#: The message attribute.
ATTRIBUTE = "ses_list_management"

_KEYS = ("ContactListName", "TopicName")


def validate_list_management(value: Any, *, origin: str) -> dict[str, str]:
    """``value`` as SES's ``ListManagementOptions``, or :class:`InvalidMessageError`."""
    if not isinstance(value, Mapping):
        raise InvalidMessageError(
            f"{origin} must be a mapping such as {{'ContactListName': 'Newsletter', "
            f"'TopicName': 'weekly'}}, not {type(value).__name__}."
        )
    unknown = sorted(str(key) for key in value if key not in _KEYS)
    if unknown:
        raise InvalidMessageError(
            f"{origin} has unknown keys {unknown}: use 'ContactListName' and 'TopicName'."
        )
    clean: dict[str, str] = {}
    for key in _KEYS:
        item = value.get(key)
        if item is None and key == "TopicName":
            continue
        if not isinstance(item, str) or not item.strip():
            raise InvalidMessageError(
                f"{origin}['{key}'] must be a non-empty string, not {item!r}."
            )
        clean[key] = item
    return clean


def list_management_options(
    message: EmailMessage, default: Any, *, api: str
) -> dict[str, str] | None:
    """The message's ``ListManagementOptions`` (its own, else ``default``), or ``None``.

    Raises :class:`InvalidMessageError` for a bad value, and on SES v1, which has
    no list management.
    """
    own = getattr(message, ATTRIBUTE, None)
    if own is False:
        return None
    if own is not None:
        options = validate_list_management(own, origin=ATTRIBUTE)
    elif default is not None:
        options = validate_list_management(default, origin="AWS_SES_LIST_MANAGEMENT_OPTIONS")
    else:
        return None
    if api != "v2":
        raise InvalidMessageError(
            "SES list management (ListManagementOptions) is a parameter of the SES v2 API: "
            "set USE_SES_V2 = True (or pass use_ses_v2=True to the backend)."
        )
    return options
