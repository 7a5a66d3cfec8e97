"""``manage.py ses_email_address``: list, add and delete SES sending identities.

Uses SES API v2 (``CreateEmailIdentity``, ``DeleteEmailIdentity``,
``ListEmailIdentities``) when ``USE_SES_V2`` is set, otherwise API v1. Both
handle email addresses and domains.
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

from django.core.exceptions import ValidationError
from django.core.management.base import CommandError, CommandParser
from django.core.validators import DomainNameValidator

from django_ses.addresses import InvalidAddress, parse_single_address
from django_ses.aws.errors import ALREADY_EXISTS, NOT_FOUND
from django_ses.exceptions import StatsError
from django_ses.management.commands._output import VerboseCommand
from django_ses.reporting.clients import call, configured_api, v1_client, v2_client
from django_ses.reporting.data import Identity
from django_ses.reporting.identities import fetch_identities_v1, fetch_identities_v2


def parse_identity(raw: str) -> str:
    """An email address (normalised) or a domain (lower-cased); CommandError otherwise."""
    text = raw.strip()
    if "@" in text:
        try:
            return parse_single_address(text)
        except InvalidAddress as error:
            raise CommandError(str(error)) from None
    domain = text.lower().rstrip(".")
    try:
        DomainNameValidator(accept_idna=True)(domain)
    except ValidationError:
        raise CommandError(
            f"{raw!r} is neither an email address nor a domain name "
            "(expected jane@example.com or example.com)."
        ) from None
    return domain


class Command(VerboseCommand):
    help = (
        "List, add (start verification of) or delete SES identities: email addresses and "
        "domains. Uses SES API v2 when USE_SES_V2 is set."
    )

    def add_arguments(self, parser: CommandParser) -> None:
        group = parser.add_mutually_exclusive_group()
        group.add_argument(
            "--list", "-l", action="store_true", help="List identities and their status."
        )
        group.add_argument(
            "--add", "-a", metavar="IDENTITY", help="Verify an email address or a domain."
        )
        group.add_argument(
            "--delete", "-d", metavar="IDENTITY", help="Delete an email address or a domain."
        )

    def handle(self, *args: Any, **options: Any) -> None:
        self.api = configured_api()
        if options["add"]:
            self.add(parse_identity(options["add"]))
        elif options["delete"]:
            self.delete(parse_identity(options["delete"]))
        else:
            self.list_identities()

    def _client(self) -> Any:
        try:
            return v2_client() if self.api == "v2" else v1_client()
        except StatsError as error:
            raise CommandError(str(error)) from error

    # -- list ------------------------------------------------------------------------------
    def identities(self) -> list[Identity]:
        client = self._client()
        try:
            if self.api == "v2":
                return fetch_identities_v2(client)
            return fetch_identities_v1(client)
        except StatsError as error:
            raise CommandError(str(error)) from error

    def list_identities(self) -> None:
        identities = self.identities()
        if not identities:
            self.say("No identities.")
            return
        width = max(len(i.name) for i in identities)
        for identity in identities:  # the listing asked for: printed at any verbosity
            self.stdout.write(
                f"{identity.name:<{width}}  {identity.kind:<6}  {identity.verification_label}"
            )

    def ask(self, operation: str, method: str, *, on: Mapping[str, str], **kwargs: Any) -> Any:
        """Call SES; an error code of ``on`` raises its sentence, any other error its own."""
        try:
            return call(self._client(), operation, method, **kwargs)
        except StatsError as error:
            if error.code in on:
                raise CommandError(on[error.code]) from None
            raise CommandError(str(error)) from error

    # -- add -------------------------------------------------------------------------------
    def add(self, identity: str) -> None:
        is_domain = "@" not in identity
        exists = {ALREADY_EXISTS: f"{identity} is already an SES identity."}
        tokens: list[str] = []
        token = ""
        if self.api == "v2":
            answer = self.ask(
                "CreateEmailIdentity", "create_email_identity", on=exists, EmailIdentity=identity
            )
            tokens = (answer.get("DkimAttributes") or {}).get("Tokens") or []
        elif is_domain:
            answer = self.ask(
                "VerifyDomainIdentity", "verify_domain_identity", on=exists, Domain=identity
            )
            token = answer["VerificationToken"]
        else:
            self.ask(
                "VerifyEmailIdentity", "verify_email_identity", on=exists, EmailAddress=identity
            )
        if not is_domain:
            self.say(f"Added {identity}: SES sent it a verification email.")
            return
        if self.api == "v2" and not tokens:
            self.say(f"Added {identity}. Find its DNS records in the SES console.")
            return
        self.say(f"Added {identity}. Publish these DNS records to verify it:")
        if self.api == "v2":
            for dkim in tokens:
                self.say(f"  {dkim}._domainkey.{identity}  CNAME  {dkim}.dkim.amazonses.com")
        else:
            self.say(f'  _amazonses.{identity}  TXT  "{token}"')

    # -- delete ----------------------------------------------------------------------------
    def delete(self, identity: str) -> None:
        # v1 DeleteIdentity succeeds for unknown identities: say so instead.
        if identity not in {i.name for i in self.identities()}:
            raise CommandError(f"{identity} is not an SES identity.")
        missing = {NOT_FOUND: f"{identity} is not an SES identity."}
        if self.api == "v2":
            self.ask(
                "DeleteEmailIdentity", "delete_email_identity", on=missing, EmailIdentity=identity
            )
        else:
            self.ask("DeleteIdentity", "delete_identity", on=missing, Identity=identity)
        self.say(f"Deleted {identity}.")
