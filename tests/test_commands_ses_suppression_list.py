"""``manage.py ses_suppression_list``: the SES v2 account-level suppression list.

moto's server has no suppression-list API: ``tests.ses_fakes.SuppressionList``
serves it over the real REST-JSON protocol, with pagination.
"""

from __future__ import annotations

import io

import pytest
from django.core.management import CommandError, call_command

from django_ses.models import BlacklistedEmail
from tests.ses_fakes import SuppressionList

pytestmark = pytest.mark.django_db


class Terminal(io.StringIO):
    def isatty(self) -> bool:
        return True


def _run(*args: str, verbosity: int = 1, stdout=None, stderr=None) -> tuple[str, str]:
    out, err = stdout or io.StringIO(), stderr or io.StringIO()
    call_command("ses_suppression_list", *args, verbosity=verbosity, stdout=out, stderr=err)
    return out.getvalue(), err.getvalue()


def test_list_shows_every_page(aws):
    SuppressionList(
        aws, {"a@example.com": "BOUNCE", "b@example.com": "COMPLAINT", "c@example.com": "BOUNCE"}
    )
    out, _ = _run("list", "--page-size", "2")
    assert [line.split("\t")[:2] for line in out.splitlines()] == [
        ["a@example.com", "BOUNCE"],
        ["b@example.com", "COMPLAINT"],
        ["c@example.com", "BOUNCE"],
    ]
    calls = aws.calls("sesv2", "ListSuppressedDestinations")
    assert len(calls) == 2
    assert calls[1].query["NextToken"] == ["2"]


def test_list_filters_by_reason(aws):
    SuppressionList(aws, {"a@example.com": "BOUNCE", "b@example.com": "COMPLAINT"})
    out, _ = _run("list", "--reason", "COMPLAINT")
    assert [line.split("\t")[0] for line in out.splitlines()] == ["b@example.com"]
    assert aws.calls("sesv2", "ListSuppressedDestinations")[0].query["Reason"] == ["COMPLAINT"]


def test_list_of_an_empty_suppression_list_says_so(aws):
    SuppressionList(aws)
    out, _ = _run("list")
    assert "The SES suppression list is empty." in out


def test_add_suppresses_normalised_addresses_with_a_reason(aws):
    fake = SuppressionList(aws)
    out, _ = _run("add", "Jane <Jane@Example.com>", "bob@example.com", "--reason", "COMPLAINT")
    assert {a: r for a, (r, _) in fake.entries.items()} == {
        "jane@example.com": "COMPLAINT",
        "bob@example.com": "COMPLAINT",
    }
    assert "Suppressed 2 addresses in SES (complaint)." in out


def test_add_rejects_invalid_addresses_before_calling_aws(aws):
    SuppressionList(aws)
    with pytest.raises(CommandError, match="not a valid email address"):
        _run("add", "good@example.com", "nope")
    assert aws.calls("sesv2") == []


def test_remove_takes_addresses_off_and_warns_about_unknown_ones(aws):
    fake = SuppressionList(aws, {"a@example.com": "BOUNCE"})
    out, err = _run("remove", "A@example.com", "zed@example.com")
    assert fake.entries == {}
    assert "Removed 1 address from the SES suppression list." in out
    assert "zed@example.com is not on the SES suppression list." in err


def test_import_copies_the_ses_list_into_the_blacklist(aws):
    SuppressionList(
        aws, {"a@example.com": "BOUNCE", "b@example.com": "COMPLAINT", "c@example.com": "BOUNCE"}
    )
    BlacklistedEmail.objects.create(email="c@example.com", reason="manual")
    out, _ = _run("import", "--page-size", "2")
    rows = dict(BlacklistedEmail.objects.values_list("email", "reason"))
    assert rows == {
        "a@example.com": "suppression_list",
        "b@example.com": "suppression_list",
        "c@example.com": "manual",
    }
    assert BlacklistedEmail.objects.get(email="b@example.com").source == (
        "SES suppression list (complaint)"
    )
    assert "Read 3 suppressed addresses from SES: added 2 to the blacklist, 1 already there." in out


def test_import_dry_run_changes_nothing(aws):
    SuppressionList(aws, {"a@example.com": "BOUNCE"})
    out, _ = _run("import", "--dry-run", verbosity=2)
    assert not BlacklistedEmail.objects.exists()
    assert "Would add a@example.com." in out


def test_push_adds_missing_blacklisted_addresses_to_ses(aws):
    fake = SuppressionList(aws, {"a@example.com": "BOUNCE"})
    BlacklistedEmail.objects.create(email="a@example.com", reason="bounce")
    BlacklistedEmail.objects.create(email="b@example.com", reason="complaint")
    BlacklistedEmail.objects.create(email="c@example.com", reason="manual")
    out, _ = _run("push", "--page-size", "2")
    assert {a: r for a, (r, _) in fake.entries.items()} == {
        "a@example.com": "BOUNCE",
        "b@example.com": "COMPLAINT",
        "c@example.com": "BOUNCE",
    }
    assert len(aws.calls("sesv2", "PutSuppressedDestination")) == 2
    assert "Added 2 blacklisted addresses to the SES suppression list; 1 was already on it." in out


def test_push_dry_run_changes_nothing(aws):
    fake = SuppressionList(aws)
    BlacklistedEmail.objects.create(email="b@example.com", reason="complaint")
    out, _ = _run("push", "--dry-run", verbosity=2)
    assert fake.entries == {}
    assert "Would suppress b@example.com (complaint)." in out


def test_push_shows_a_progress_bar_in_a_terminal(aws):
    SuppressionList(aws)
    BlacklistedEmail.objects.bulk_create(
        BlacklistedEmail(email=f"u{n}@example.com") for n in range(5)
    )
    terminal = Terminal()
    _run("push", stdout=terminal)
    assert "\rPushing [" in terminal.getvalue() and "5/5" in terminal.getvalue()


def test_listing_shows_a_running_count_in_a_terminal(aws):
    SuppressionList(aws, {f"u{n}@example.com": "BOUNCE" for n in range(5)})
    terminal = Terminal()
    _run("list", "--page-size", "2", stderr=terminal)
    assert "\rListing: 5" in terminal.getvalue()


def test_verbosity_0_is_silent(aws):
    SuppressionList(aws, {"a@example.com": "BOUNCE"})
    assert _run("import", verbosity=0) == ("", "")
    assert BlacklistedEmail.objects.count() == 1


def test_aws_errors_are_command_errors(aws):
    aws.fail("sesv2", "ListSuppressedDestinations", "AccessDeniedException", "no", status=403)
    with pytest.raises(CommandError, match="allow ses:ListSuppressedDestinations"):
        _run("list")


def test_page_size_must_be_between_1_and_1000():
    with pytest.raises(CommandError):
        _run("list", "--page-size", "1001")


def test_an_action_is_required():
    with pytest.raises(CommandError):
        _run()
