"""``manage.py ses_suppression_list``: the SES account-level suppression list (API v2).

Sub-commands::

    list    [--reason BOUNCE|COMPLAINT]          show the SES list
    add     EMAIL… [--reason BOUNCE|COMPLAINT]   suppress addresses in SES
    remove  EMAIL…                               take addresses off the SES list
    import  [--reason …] [--dry-run]             copy the SES list into the local blacklist
    push    [--dry-run]                          copy the local blacklist into SES

The suppression list is an SES v2 feature: these calls go through API v2 even
when mail is sent with v1. They are made by :mod:`django_ses.suppression_list`,
as the admin's page makes them; ``add`` and ``remove`` forget the pre-send
check's cached answers for the addresses (``AWS_SES_CHECK_SUPPRESSION_LIST``).
"""

from __future__ import annotations

import argparse
from collections.abc import Callable, Iterator
from typing import Any, TypeVar

from django.core.management.base import CommandError, CommandParser

from django_ses import suppression_list
from django_ses.blacklist import BlacklistEntry, blacklisted, import_to_blacklist, normalize_address
from django_ses.exceptions import StatsError
from django_ses.management.commands._arguments import address_arguments, whole_number
from django_ses.management.commands._output import ProgressBar, VerboseCommand, counted
from django_ses.models import BlacklistedEmail
from django_ses.reporting.clients import BULK_ATTEMPTS, ses_backend, v2_client
from django_ses.suppression_list import PAGE_SIZE, SuppressedDestination

SES_REASONS = suppression_list.REASONS
BATCH_SIZE = 500

_T = TypeVar("_T")


def ses_reason_for(local_reason: str) -> str:
    """The SES reason to record for a local blacklist reason."""
    return "COMPLAINT" if local_reason == str(BlacklistedEmail.Reason.COMPLAINT) else "BOUNCE"


def _page_size_option(parser: CommandParser) -> None:
    parser.add_argument(
        "--page-size",
        type=whole_number(1, PAGE_SIZE),
        default=PAGE_SIZE,
        help=f"Entries per ListSuppressedDestinations call (1 to {PAGE_SIZE}, the default).",
    )


def _verbosity_option(action: CommandParser) -> None:
    """``ses_suppression_list push --dry-run -v 2``: -v after the action works too."""
    action.add_argument(
        "-v",
        "--verbosity",
        type=int,
        choices=[0, 1, 2, 3],
        default=argparse.SUPPRESS,
        help="Verbosity level; 0=errors only, 1=normal, 2=verbose, 3=very verbose.",
    )


class Command(VerboseCommand):
    help = (
        "List, add and remove entries of the SES account-level suppression list (API v2), "
        "import it into the local blacklist, or push the local blacklist to it."
    )

    def add_arguments(self, parser: CommandParser) -> None:
        actions = parser.add_subparsers(dest="action", metavar="ACTION", required=True)

        listing = actions.add_parser("list", help="List suppressed addresses.")
        listing.add_argument("--reason", choices=SES_REASONS, help="Only this reason.")
        _page_size_option(listing)

        add = actions.add_parser("add", help="Suppress addresses in SES.")
        add.add_argument("emails", nargs="+", metavar="EMAIL")
        add.add_argument("--reason", choices=SES_REASONS, default="BOUNCE")

        remove = actions.add_parser("remove", help="Remove addresses from the SES list.")
        remove.add_argument("emails", nargs="+", metavar="EMAIL")

        pull = actions.add_parser(
            "import", help="Add the SES list's addresses to the local blacklist."
        )
        pull.add_argument("--reason", choices=SES_REASONS, help="Only this reason.")
        pull.add_argument("--dry-run", action="store_true", help="Only say what would change.")
        _page_size_option(pull)

        push = actions.add_parser(
            "push", help="Add the local blacklist's addresses to the SES list."
        )
        push.add_argument("--dry-run", action="store_true", help="Only say what would change.")
        _page_size_option(push)

        for action in (listing, add, remove, pull, push):
            _verbosity_option(action)

    def handle(self, *args: Any, **options: Any) -> None:
        self.page_size = int(options.get("page_size") or PAGE_SIZE)
        action = options["action"]
        if action == "list":
            self.list_entries(options.get("reason"))
        elif action == "add":
            self.add(options["emails"], options["reason"])
        elif action == "remove":
            self.remove(options["emails"])
        elif action == "import":
            self.import_entries(options.get("reason"), options["dry_run"])
        elif action == "push":
            self.push(options["dry_run"])

    # -- helpers ------------------------------------------------------------------------------
    def client(self) -> Any:
        if not hasattr(self, "_client"):
            try:
                self._client = v2_client(BULK_ATTEMPTS)
            except StatsError as error:
                raise CommandError(str(error)) from error
        return self._client

    def account(self) -> str:
        """Whose cached pre-send answers ``add`` and ``remove`` forget."""
        return ses_backend().throttle_key

    def call(self, action: Callable[..., _T], *args: Any, **kwargs: Any) -> _T:
        """``action(client, *args, **kwargs)``; an SES failure is a :class:`CommandError`."""
        try:
            return action(self.client(), *args, **kwargs)
        except StatsError as error:
            raise CommandError(str(error)) from error

    def pages(self, reason: str | None, label: str) -> Iterator[list[SuppressedDestination]]:
        """The SES list, page by page, with a progress count."""
        answers = suppression_list.pages(self.client(), reason=reason, page_size=self.page_size)
        with ProgressBar(self.stderr, label, None, enabled=self.verbosity >= 1) as progress:
            try:
                for page in answers:
                    progress.advance(len(page))
                    yield page
            except StatsError as error:
                raise CommandError(str(error)) from error

    # -- actions ------------------------------------------------------------------------------
    def list_entries(self, reason: str | None) -> None:
        count = 0
        for page in self.pages(reason, "Listing"):
            for entry in page:  # the listing asked for: printed at any verbosity
                self.stdout.write(f"{entry.email}\t{entry.reason}\t{_iso(entry.last_update)}")
            count += len(page)
        self.say(
            f"{counted(count, 'suppressed address', 'suppressed addresses')}"
            + (f" ({reason.lower()})." if reason else "."),
            level=2,
        )
        if count == 0:
            self.say("The SES suppression list is empty" + (f" for {reason}." if reason else "."))

    def add(self, raw: list[str], reason: str) -> None:
        addresses = address_arguments(raw)
        with ProgressBar(
            self.stdout, "Adding", len(addresses), enabled=self.verbosity >= 1
        ) as progress:
            account = self.account()
            for address in addresses:
                self.call(suppression_list.suppress, address, reason, account=account)
                progress.advance()
        self.say(
            f"Suppressed {counted(len(addresses), 'address', 'addresses')} "
            f"in SES ({reason.lower()})."
        )

    def remove(self, raw: list[str]) -> None:
        addresses = address_arguments(raw)
        account = self.account()
        removed = 0
        for address in addresses:
            if not self.call(suppression_list.unsuppress, address, account=account):
                self.warn(f"{address} is not on the SES suppression list.")
                continue
            removed += 1
            self.say(f"Removed {address}.", level=2)
        self.say(
            f"Removed {counted(removed, 'address', 'addresses')} from the SES suppression list."
        )

    def import_entries(self, reason: str | None, dry_run: bool) -> None:
        seen = 0
        new_total = 0
        for page in self.pages(reason, "Importing"):
            seen += len(page)
            for start in range(0, len(page), BATCH_SIZE):
                entries = [
                    BlacklistEntry(
                        normalize_address(e.email),
                        str(BlacklistedEmail.Reason.SUPPRESSION_LIST),
                        f"SES suppression list ({e.reason.lower()})",
                    )
                    for e in page[start : start + BATCH_SIZE]
                ]
                if dry_run:
                    existing = blacklisted(e.email for e in entries)
                    new = sorted({e.email for e in entries} - existing)
                else:
                    new = sorted(import_to_blacklist(entries))
                for email in new:
                    self.say(f"{'Would add' if dry_run else 'Added'} {email}.", level=2)
                new_total += len(new)
        verb = "would add" if dry_run else "added"
        self.say(
            f"Read {counted(seen, 'suppressed address', 'suppressed addresses')} from SES: "
            f"{verb} {new_total} to the blacklist, {seen - new_total} already there."
        )

    def push(self, dry_run: bool) -> None:
        on_ses: set[str] = set()
        for page in self.pages(None, "Reading the SES list"):
            on_ses.update(normalize_address(e.email) for e in page)
        blacklist_size = 0
        missing: list[tuple[str, str]] = []
        rows = BlacklistedEmail.objects.order_by("email").values_list("email", "reason")
        for email, reason in rows.iterator(chunk_size=BATCH_SIZE):
            blacklist_size += 1
            if email not in on_ses:
                missing.append((email, reason))
        if dry_run:
            for email, reason in missing:
                self.say(f"Would suppress {email} ({ses_reason_for(reason).lower()}).", level=2)
        else:
            with ProgressBar(
                self.stdout, "Pushing", len(missing), enabled=self.verbosity >= 1
            ) as progress:
                account = self.account()
                for email, reason in missing:
                    self.call(
                        suppression_list.suppress, email, ses_reason_for(reason), account=account
                    )
                    progress.advance()
        verb = "would add" if dry_run else "added"
        there = blacklist_size - len(missing)
        self.say(
            f"{verb.capitalize()} "
            f"{counted(len(missing), 'blacklisted address', 'blacklisted addresses')} "
            "to the SES suppression list; "
            f"{there} {'was' if there == 1 else 'were'} already on it."
        )


def _iso(value: Any) -> str:
    return value.isoformat() if hasattr(value, "isoformat") else str(value or "")
