"""``manage.py ses_suppression_list``: the SES account-level suppression list (API v2).

Sub-commands::

    list    [--reason BOUNCE|COMPLAINT]          show the SES list
    add     EMAIL… [--reason BOUNCE|COMPLAINT]   suppress addresses in SES
    remove  EMAIL…                               take addresses off the SES list
    import  [--reason …] [--dry-run]             copy the SES list into the local blacklist
    push    [--dry-run]                          copy the local blacklist into SES

The suppression list is an SES v2 feature: these calls go through API v2 even
when mail is sent with v1.
"""

from __future__ import annotations

from collections.abc import Iterator
from dataclasses import dataclass
from typing import Any

from django.core.management.base import BaseCommand, CommandError, CommandParser
from django.db import transaction

from django_ses import stats
from django_ses.blacklist import normalize_address
from django_ses.management.commands._arguments import address_arguments
from django_ses.management.commands._output import ProgressBar
from django_ses.models import BlacklistedEmail

SES_REASONS = ("BOUNCE", "COMPLAINT")
PAGE_SIZE = 1000  # the API's maximum
BATCH_SIZE = 500
# The client retries throttled calls, adaptively: bulk add/push may hit SES's rate limits.
ATTEMPTS = 8


@dataclass(frozen=True)
class Suppressed:
    email: str
    reason: str  # "BOUNCE" or "COMPLAINT"
    last_update: str


def ses_reason_for(local_reason: str) -> str:
    """The SES reason to record for a local blacklist reason."""
    return "COMPLAINT" if local_reason == "complaint" else "BOUNCE"


def _page_size(value: str) -> int:
    import argparse

    try:
        size = int(value)
    except ValueError:
        size = 0
    if not 1 <= size <= PAGE_SIZE:
        raise argparse.ArgumentTypeError(f"expected 1 to {PAGE_SIZE}, got {value!r}")
    return size


def _page_size_option(parser: CommandParser) -> None:
    parser.add_argument(
        "--page-size",
        type=_page_size,
        default=PAGE_SIZE,
        help=f"Entries per ListSuppressedDestinations call (1 to {PAGE_SIZE}, the default).",
    )


class Command(BaseCommand):
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

    def handle(self, *args: Any, **options: Any) -> None:
        self.verbosity = int(options["verbosity"])
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
    def say(self, message: str, level: int = 1) -> None:
        if self.verbosity >= level:
            self.stdout.write(message)

    def warn(self, message: str) -> None:
        if self.verbosity >= 1:
            self.stderr.write(message)

    def client(self) -> Any:
        if not hasattr(self, "_client"):
            try:
                self._client = stats.v2_client(attempts=ATTEMPTS)
            except stats.StatsError as error:
                raise CommandError(str(error)) from error
        return self._client

    def call(self, operation: str, method: str, **kwargs: Any) -> Any:
        from botocore.exceptions import BotoCoreError, ClientError

        try:
            return getattr(self.client(), method)(**kwargs)
        except (BotoCoreError, ClientError) as error:
            raise CommandError(stats.describe_aws_error(error, operation)) from error

    def pages(self, reason: str | None, label: str) -> Iterator[list[Suppressed]]:
        """The SES list, page by page, with a progress count."""
        token: str | None = None
        with ProgressBar(self.stderr, label, None, enabled=self.verbosity >= 1) as progress:
            while True:
                kwargs: dict[str, Any] = {"PageSize": self.page_size}
                if reason:
                    kwargs["Reasons"] = [reason]
                if token:
                    kwargs["NextToken"] = token
                answer = self.call(
                    "ListSuppressedDestinations", "list_suppressed_destinations", **kwargs
                )
                page = [
                    Suppressed(
                        email=str(item["EmailAddress"]),
                        reason=str(item.get("Reason", "")),
                        last_update=_iso(item.get("LastUpdateTime")),
                    )
                    for item in answer.get("SuppressedDestinationSummaries", [])
                ]
                progress.advance(len(page))
                yield page
                token = answer.get("NextToken")
                if not token:
                    break

    # -- actions ------------------------------------------------------------------------------
    def list_entries(self, reason: str | None) -> None:
        count = 0
        for page in self.pages(reason, "Listing"):
            for entry in page:
                self.say(f"{entry.email}\t{entry.reason}\t{entry.last_update}")
            count += len(page)
        self.say(
            f"{count} suppressed address{'es' if count != 1 else ''}"
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
            for address in addresses:
                self.call(
                    "PutSuppressedDestination",
                    "put_suppressed_destination",
                    EmailAddress=address,
                    Reason=reason,
                )
                progress.advance()
        self.say(
            f"Suppressed {len(addresses)} address{'es' if len(addresses) != 1 else ''} "
            f"in SES ({reason.lower()})."
        )

    def remove(self, raw: list[str]) -> None:
        from botocore.exceptions import ClientError

        addresses = address_arguments(raw)
        removed = 0
        for address in addresses:
            try:
                self.client().delete_suppressed_destination(EmailAddress=address)
            except ClientError as error:
                if error.response.get("Error", {}).get("Code") == "NotFoundException":
                    self.warn(f"{address} is not on the SES suppression list.")
                    continue
                raise CommandError(
                    stats.describe_aws_error(error, "DeleteSuppressedDestination")
                ) from error
            except Exception as error:
                raise CommandError(
                    stats.describe_aws_error(error, "DeleteSuppressedDestination")
                ) from error
            removed += 1
            self.say(f"Removed {address}.", level=2)
        self.say(
            f"Removed {removed} address{'es' if removed != 1 else ''} "
            "from the SES suppression list."
        )

    def import_entries(self, reason: str | None, dry_run: bool) -> None:
        seen = 0
        new_total = 0
        for page in self.pages(reason, "Importing"):
            seen += len(page)
            for start in range(0, len(page), BATCH_SIZE):
                batch = page[start : start + BATCH_SIZE]
                emails = {normalize_address(e.email) for e in batch}
                existing = set(
                    BlacklistedEmail.objects.filter(email__in=emails).values_list(
                        "email", flat=True
                    )
                )
                new = {
                    normalize_address(e.email): e
                    for e in batch
                    if normalize_address(e.email) not in existing
                }
                for email in sorted(new):
                    self.say(f"{'Would add' if dry_run else 'Added'} {email}.", level=2)
                if not dry_run:
                    with transaction.atomic():
                        BlacklistedEmail.objects.bulk_create(
                            [
                                BlacklistedEmail(
                                    email=email,
                                    reason="suppression_list",
                                    source=f"SES suppression list ({entry.reason.lower()})",
                                )
                                for email, entry in new.items()
                            ],
                            ignore_conflicts=True,
                        )
                new_total += len(new)
        verb = "would add" if dry_run else "added"
        self.say(
            f"Read {seen} suppressed address{'es' if seen != 1 else ''} from SES: "
            f"{verb} {new_total} to the blacklist, {seen - new_total} already there."
        )

    def push(self, dry_run: bool) -> None:
        on_ses: set[str] = set()
        for page in self.pages(None, "Reading the SES list"):
            on_ses.update(normalize_address(e.email) for e in page)
        blacklisted = 0
        missing: list[tuple[str, str]] = []
        rows = BlacklistedEmail.objects.order_by("email").values_list("email", "reason")
        for email, reason in rows.iterator(chunk_size=BATCH_SIZE):
            blacklisted += 1
            if email not in on_ses:
                missing.append((email, reason))
        if dry_run:
            for email, reason in missing:
                self.say(f"Would suppress {email} ({ses_reason_for(reason).lower()}).", level=2)
        else:
            with ProgressBar(
                self.stdout, "Pushing", len(missing), enabled=self.verbosity >= 1
            ) as progress:
                for email, reason in missing:
                    self.call(
                        "PutSuppressedDestination",
                        "put_suppressed_destination",
                        EmailAddress=email,
                        Reason=ses_reason_for(reason),
                    )
                    progress.advance()
        verb = "would add" if dry_run else "added"
        self.say(
            f"{verb.capitalize()} {len(missing)} blacklisted "
            f"address{'es' if len(missing) != 1 else ''} to the SES suppression list; "
            f"{blacklisted - len(missing)} were already on it."
        )


def _iso(value: Any) -> str:
    return value.isoformat() if hasattr(value, "isoformat") else str(value or "")
