"""``manage.py blacklist``: list, search, add, delete, import and export blacklisted addresses."""

from __future__ import annotations

import csv
import io
import sys
from collections.abc import Iterator
from contextlib import contextmanager
from typing import Any

from django.core.management.base import CommandError, CommandParser
from django.core.paginator import EmptyPage, Paginator
from django.db.models import QuerySet

from django_ses.addresses import InvalidAddress, parse_single_address
from django_ses.blacklist import (
    BlacklistEntry,
    blacklisted,
    import_to_blacklist,
    normalize_address,
    remove_from_blacklist,
)
from django_ses.management.commands._arguments import address_arguments, whole_number
from django_ses.management.commands._output import ProgressBar, VerboseCommand, counted
from django_ses.models import BlacklistedEmail

REASONS: list[str] = [str(value) for value, _label in BlacklistedEmail.Reason.choices]
EXPORT_FIELDS = ("email", "reason", "source", "created_at", "updated_at")
BATCH_SIZE = 500
LIST_FORMATS = ("plain", "table")
TABLE_HEADER = "email\treason\tcreated\tsource"


class _Unterminated(io.TextIOBase):
    """Writes to a command's OutputWrapper without it adding line endings."""

    def __init__(self, wrapper: Any) -> None:
        self.wrapper = wrapper

    def write(self, text: str) -> int:
        self.wrapper.write(text, ending="")
        return len(text)


def parse_csv(text: str, default_reason: str) -> tuple[list[BlacklistEntry], list[str]]:
    """The entries of a blacklist CSV (first one per address), and its invalid rows' problems."""
    rows: dict[str, BlacklistEntry] = {}
    problems: list[str] = []
    for line_number, row in enumerate(csv.reader(io.StringIO(text)), start=1):
        cells = [cell.strip() for cell in row]
        if not cells or not any(cells):
            continue
        if line_number == 1 and cells[0].lower() in ("email", "email address", "address"):
            continue
        reason = (cells[1] if len(cells) > 1 and cells[1] else default_reason).lower()
        source = cells[2] if len(cells) > 2 else ""
        try:
            address = parse_single_address(cells[0])
            if reason not in REASONS:
                raise InvalidAddress(
                    f"unknown reason {reason!r} (expected one of {', '.join(REASONS)})"
                )
        except InvalidAddress as error:
            problems.append(f"line {line_number}: {error}")
            continue
        rows.setdefault(address, BlacklistEntry(address, reason, source[:255]))
    return list(rows.values()), problems


def blacklist_rows(search: str | None, order: str = "email") -> QuerySet[BlacklistedEmail]:
    """The blacklist in ``order``, only the addresses containing ``search`` when given."""
    rows: QuerySet[BlacklistedEmail] = BlacklistedEmail.objects.order_by(order)
    if search:
        term = normalize_address(search) if "@" in search else search.strip().lower()
        rows = rows.filter(email__icontains=term)
    return rows


def out_of_range(
    page_number: int, pages: int, total: int, limit: int, search: str | None = None
) -> str:
    """The error for a ``--page`` past the last one, counting the addresses that matched."""
    if total == 0:
        found = f"no blacklisted address matches {search!r}" if search else "the blacklist is empty"
        return f"Page {page_number} is out of range: {found}."
    addresses = counted(total, "blacklisted address", "blacklisted addresses")
    if search:
        addresses += f" matching {search!r}"
    if pages == 1:
        return (
            f"Page {page_number} is out of range: {addresses} "
            f"{'fits' if total == 1 else 'fit'} on page 1."
        )
    return (
        f"Page {page_number} is out of range: {addresses} fill pages 1 to {pages} "
        f"({limit} per page)."
    )


class Command(VerboseCommand):
    help = (
        "Manage the local blacklist (addresses django_ses never sends to when "
        "AWS_SES_USE_BLACKLIST is on): list, search, add, delete, import and export as CSV."
    )

    def add_arguments(self, parser: CommandParser) -> None:
        action = parser.add_mutually_exclusive_group()
        action.add_argument("-a", "--add", nargs="+", metavar="EMAIL", help="Blacklist addresses.")
        action.add_argument("-d", "--delete", nargs="+", metavar="EMAIL", help="Unblacklist them.")
        action.add_argument(
            "-l", "--list", action="store_true", help="List blacklisted addresses (the default)."
        )
        action.add_argument(
            "--import",
            dest="import_file",
            metavar="FILE",
            help="Add the addresses of a CSV file (first column; optional reason and source "
            "columns; '-' reads standard input).",
        )
        action.add_argument(
            "--export",
            dest="export_file",
            metavar="FILE",
            help="Write the blacklist as CSV ('-' writes to standard output).",
        )
        parser.add_argument(
            "-s", "--search", metavar="TEXT", help="Only addresses containing TEXT (list, export)."
        )
        parser.add_argument(
            "--page", type=whole_number(), default=1, help="Page to list; 1 is the first."
        )
        parser.add_argument(
            "--limit",
            type=whole_number(low=0),
            default=1000,
            help="Addresses per page (default 1000); 0 lists them all.",
        )
        parser.add_argument(
            "--format",
            choices=LIST_FORMATS,
            default="plain",
            help="plain (default, as django-ses): a header line, then one address per line; "
            "table: address, reason, date and source, tab-separated, with a header row.",
        )
        parser.add_argument(
            "--reason",
            choices=REASONS,
            default=str(BlacklistedEmail.Reason.MANUAL),
            help="Reason recorded for added or imported addresses without one (default manual).",
        )
        parser.add_argument(
            "--skip-invalid",
            action="store_true",
            help="Import: skip invalid addresses (with a warning) instead of importing nothing.",
        )

    def handle(self, *args: Any, **options: Any) -> None:
        if options["add"]:
            self.add(options["add"], options["reason"])
        elif options["delete"]:
            self.delete(options["delete"])
        elif options["import_file"]:
            self.import_csv(options["import_file"], options["reason"], options["skip_invalid"])
        elif options["export_file"]:
            self.export_csv(options["export_file"], options["search"])
        else:
            self.list_entries(
                options["search"], options["page"], options["limit"], options["format"]
            )

    # -- add / delete -------------------------------------------------------------------------
    def add(self, raw: list[str], reason: str) -> None:
        addresses = address_arguments(raw)
        existing = blacklisted(addresses)
        new = import_to_blacklist(BlacklistEntry(a, reason) for a in addresses if a not in existing)
        for address in new:
            self.say(f"Added {address}.", level=2)
        for address in sorted(existing):
            self.say(f"{address} was already blacklisted.")
        self.say(f"Added {counted(len(new), 'address', 'addresses')} to the blacklist.")

    def delete(self, raw: list[str]) -> None:
        addresses = address_arguments(raw)
        found = remove_from_blacklist(addresses)
        for address in addresses:
            if address not in found:
                self.warn(f"{address} is not blacklisted.")
            else:
                self.say(f"Removed {address}.", level=2)
        self.say(f"Removed {counted(len(found), 'address', 'addresses')} from the blacklist.")

    # -- list ---------------------------------------------------------------------------------
    def list_entries(self, search: str | None, page_number: int, limit: int, style: str) -> None:
        """django-ses's listing: oldest first, pages of ``limit`` (0: one page of all)."""
        rows = blacklist_rows(search, order="pk")
        total = rows.count()
        paginator = Paginator(rows, limit or max(total, 1))
        try:
            page = paginator.page(page_number)
        except EmptyPage:
            raise CommandError(
                out_of_range(page_number, paginator.num_pages, total, limit, search)
            ) from None
        if style == "table":
            self.stdout.write(TABLE_HEADER)
        else:
            self.say("Searching blacklisted emails:" if search else "Listing blacklisted emails:")
        for entry in page.object_list:
            if style == "table":
                self.stdout.write(
                    f"{entry.email}\t{entry.reason}\t{entry.created_at:%Y-%m-%d %H:%M}"
                    f"\t{entry.source}"
                )
            else:
                self.stdout.write(entry.email)
        if self.verbosity >= 1:
            if total == 0:
                self.stderr.write(
                    "No blacklisted addresses" + (f" match {search!r}." if search else ".")
                )
            else:
                self.stderr.write(
                    f"Page {page.number} of {paginator.num_pages} "
                    f"({counted(total, 'address', 'addresses')})."
                )

    # -- import -------------------------------------------------------------------------------
    @contextmanager
    def _open(self, path: str, mode: str) -> Iterator[Any]:
        if path == "-":
            yield sys.stdin if "r" in mode else _Unterminated(self.stdout)
            return
        try:
            with open(
                path, mode, encoding="utf-8-sig" if "r" in mode else "utf-8", newline=""
            ) as f:
                yield f
        except OSError as error:
            raise CommandError(f"Cannot open {path}: {error.strerror or error}") from None

    def _read_rows(
        self, path: str, default_reason: str, skip_invalid: bool
    ) -> list[BlacklistEntry]:
        with self._open(path, "r") as handle:
            try:
                text = handle.read()
            except UnicodeDecodeError:
                raise CommandError(f"{path} is not UTF-8 text.") from None
        rows, problems = parse_csv(text, default_reason)
        if problems and not skip_invalid:
            shown = "\n  ".join(problems[:10])
            more = f"\n  … and {len(problems) - 10} more" if len(problems) > 10 else ""
            raise CommandError(
                f"{path} has {counted(len(problems), 'invalid row', 'invalid rows')}; "
                f"nothing was imported (use --skip-invalid to import the rest):\n  {shown}{more}"
            )
        for problem in problems:
            self.warn(f"Skipped {problem}")
        return rows

    def import_csv(self, path: str, default_reason: str, skip_invalid: bool) -> None:
        rows = self._read_rows(path, default_reason, skip_invalid)
        created = 0
        with ProgressBar(
            self.stdout, "Importing", len(rows), enabled=self.verbosity >= 1
        ) as progress:
            for start in range(0, len(rows), BATCH_SIZE):
                batch = rows[start : start + BATCH_SIZE]
                created += len(import_to_blacklist(batch))
                progress.advance(len(batch))
        self.say(
            f"Imported {counted(len(rows), 'address', 'addresses')}: {created} new, "
            f"{len(rows) - created} already blacklisted."
        )

    # -- export -------------------------------------------------------------------------------
    def export_csv(self, path: str, search: str | None) -> None:
        rows = blacklist_rows(search)
        total = rows.count()
        # Progress goes to stderr when the CSV itself goes to standard output.
        progress_stream = self.stderr if path == "-" else self.stdout
        with (
            self._open(path, "w") as handle,
            ProgressBar(
                progress_stream, "Exporting", total, enabled=self.verbosity >= 1
            ) as progress,
        ):
            writer = csv.writer(handle)
            writer.writerow(EXPORT_FIELDS)
            for values in rows.values_list(*EXPORT_FIELDS).iterator(chunk_size=BATCH_SIZE):
                email, reason, source, created_at, updated_at = values
                writer.writerow(
                    [email, reason, source, created_at.isoformat(), updated_at.isoformat()]
                )
                progress.advance()
        if path != "-":
            self.say(f"Exported {counted(total, 'address', 'addresses')} to {path}.")
