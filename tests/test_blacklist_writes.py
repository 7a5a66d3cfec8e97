"""django_ses.blacklist's writers used by the admin and the commands."""

from __future__ import annotations

import pytest

from django_ses.blacklist import (
    BlacklistEntry,
    blacklisted,
    import_to_blacklist,
    remove_from_blacklist,
    save_blacklist_entry,
)
from django_ses.models import BlacklistedEmail

pytestmark = pytest.mark.django_db

BOUNCE = str(BlacklistedEmail.Reason.BOUNCE)
MANUAL = str(BlacklistedEmail.Reason.MANUAL)


def test_import_adds_new_addresses_once_and_returns_them_in_order():
    BlacklistedEmail.objects.create(email="old@example.com", reason=MANUAL)
    entries = [
        BlacklistEntry("Jane <Jane@Example.com>", BOUNCE, "m-1"),
        BlacklistEntry("old@example.com", BOUNCE),
        BlacklistEntry("jane@example.com", MANUAL),
        BlacklistEntry("bob@example.com", MANUAL),
    ]
    assert import_to_blacklist(entries, batch_size=2) == ["jane@example.com", "bob@example.com"]
    jane = BlacklistedEmail.objects.get(email="jane@example.com")
    assert (jane.reason, jane.source) == (BOUNCE, "m-1")
    assert BlacklistedEmail.objects.get(email="old@example.com").reason == MANUAL
    assert import_to_blacklist(entries) == []


def test_blacklisted_and_remove_compare_normalised_addresses():
    import_to_blacklist([BlacklistEntry("a@example.com", MANUAL)])
    assert blacklisted(["A <A@Example.com>", "b@example.com"]) == {"a@example.com"}
    assert remove_from_blacklist(["A@EXAMPLE.COM", "b@example.com"]) == {"a@example.com"}
    assert not BlacklistedEmail.objects.exists()


def test_save_entry_normalises_the_address():
    entry = BlacklistedEmail(email="Jane@Example.COM", reason=MANUAL)
    save_blacklist_entry(entry)
    assert BlacklistedEmail.objects.get(pk=entry.pk).email == "jane@example.com"
