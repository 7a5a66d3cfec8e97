"""The local SES's list management: ``ListManagementOptions`` of v2 ``SendEmail``, as SES reads it.

The contact lists are moto's (``CreateContactList``, ``CreateContact``… through
its SES v2 API). A send that names a list checks it as SES does:

* an unknown ``ContactListName``: ``NotFoundException`` (404);
* a ``TopicName`` the list does not have: ``BadRequestException``;
* a contact who unsubscribed from all of the list, or opted out of the topic
  (their own preference, else the topic's default): the destination bounces,
  as SES bounces mail to an unsubscribed contact.

The parameter itself is recorded with the message (``SentMessage.list_management``).
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

from django_ses.testing.wire import SESError

__all__ = ["check_list", "unsubscribed"]


def _contact_list(account_id: str, region: str, name: str) -> Any:
    from moto.ses.models import ses_backends  # optional: moto comes with the testing extra

    lists = ses_backends[account_id][region or "us-east-1"].contacts_lists
    if name not in lists:
        raise SESError("NotFoundException", f"List with name: {name} doesn't exist.", 404)
    return lists[name]


def _topics(contact_list: Any) -> dict[str, Mapping[str, Any]]:
    return {str(topic.get("TopicName")): topic for topic in contact_list.topics or ()}


def check_list(account_id: str, region: str, options: Mapping[str, Any]) -> None:
    """Raise :class:`SESError` when ``options`` names a list or topic that does not exist."""
    contact_list = _contact_list(account_id, region, str(options.get("ContactListName")))
    topic = options.get("TopicName")
    if topic and topic not in _topics(contact_list):
        raise SESError(
            "BadRequestException",
            f"Topic {topic} does not exist in list {options.get('ContactListName')}.",
        )


def unsubscribed(account_id: str, region: str, options: Mapping[str, Any], address: str) -> bool:
    """Whether ``address`` unsubscribed from the list (or opted out of the topic)."""
    contact_list = _contact_list(account_id, region, str(options.get("ContactListName")))
    contact = contact_list.contacts.get(address)
    topic = options.get("TopicName")
    if contact is None:
        preferences: dict[str, str] = {}
    elif contact.unsubscribe_all:
        return True
    else:
        preferences = {
            str(p.get("TopicName")): str(p.get("SubscriptionStatus"))
            for p in contact.topic_preferences or ()
        }
    if not topic:
        return False
    status = preferences.get(topic) or _topics(contact_list)[topic].get("DefaultSubscriptionStatus")
    return status == "OPT_OUT"
