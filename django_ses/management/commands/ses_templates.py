"""``manage.py ses_templates``: list, show, put, delete, test-render and sync SES templates.

Templates are data: ``sync FOLDER`` creates or updates one SES template per
``NAME.subject.txt`` + ``NAME.txt`` / ``NAME.html`` in the folder (see
:mod:`django_ses.ses_templates`). SES API v2.
"""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

from django.core.management.base import CommandError, CommandParser

from django_ses.exceptions import StatsError
from django_ses.management.commands._output import VerboseCommand, counted
from django_ses.ses_templates import (
    TemplateContent,
    TemplateFolderError,
    TemplateStore,
    check_name,
    read_folder,
)


def _name(value: str) -> str:
    try:
        return check_name(value)
    except ValueError as error:
        raise CommandError(str(error)) from None


def _read(path: str | None, what: str) -> str | None:
    if path is None:
        return None
    try:
        return Path(path).read_text(encoding="utf-8")
    except OSError as error:
        raise CommandError(f"Cannot read the {what} file {path}: {error.strerror}.") from None


class Command(VerboseCommand):
    help = "Manage SES email templates (SES API v2): list, show, put, delete, render, sync."

    def add_arguments(self, parser: CommandParser) -> None:
        actions = parser.add_subparsers(dest="action", required=True, metavar="ACTION")
        actions.add_parser("list", help="List the account's templates.")
        show = actions.add_parser("show", help="Print a template's subject and bodies.")
        show.add_argument("name")
        put = actions.add_parser("put", help="Create or update a template.")
        put.add_argument("name")
        put.add_argument("--subject", required=True, help="The subject, with {{placeholders}}.")
        put.add_argument("--text-file", help="A file with the plain-text body.")
        put.add_argument("--html-file", help="A file with the HTML body.")
        delete = actions.add_parser("delete", help="Delete a template.")
        delete.add_argument("name")
        render = actions.add_parser("render", help="Render a template with data (SES test).")
        render.add_argument("name")
        render.add_argument("--data", default="{}", help="The template data, as a JSON object.")
        sync = actions.add_parser("sync", help="Create or update every template of a folder.")
        sync.add_argument("folder")
        sync.add_argument("--dry-run", action="store_true", help="Say what would change.")

    def handle(self, *args: Any, **options: Any) -> None:
        action = options["action"]
        try:
            store = TemplateStore()
            getattr(self, f"do_{action}")(store, options)
        except StatsError as error:
            raise CommandError(str(error)) from error

    def do_list(self, store: TemplateStore, options: dict[str, Any]) -> None:
        names = list(store.names())
        for name in names:
            self.stdout.write(name)
        if not names:
            self.warn("SES has no templates.")  # on stderr: stdout is the listing
        self.say(f"{counted(len(names), 'template', 'templates')}.", level=2)

    def do_show(self, store: TemplateStore, options: dict[str, Any]) -> None:
        name = _name(options["name"])
        content = store.get(name)
        if content is None:
            raise CommandError(f"SES has no template named {name!r}.")
        self.stdout.write(f"Subject: {content.subject}")
        if content.text is not None:
            self.stdout.write(f"--- text ---\n{content.text}")
        if content.html is not None:
            self.stdout.write(f"--- html ---\n{content.html}")

    def do_put(self, store: TemplateStore, options: dict[str, Any]) -> None:
        name = _name(options["name"])
        text = _read(options["text_file"], "text")
        html = _read(options["html_file"], "HTML")
        if text is None and html is None:
            raise CommandError("Give --text-file, --html-file or both.")
        result = store.put(name, TemplateContent(options["subject"], text, html))
        self.say(f"Template {name}: {result}.")

    def do_delete(self, store: TemplateStore, options: dict[str, Any]) -> None:
        name = _name(options["name"])
        if not store.delete(name):
            raise CommandError(f"SES has no template named {name!r}.")
        self.say(f"Template {name}: deleted.")

    def do_render(self, store: TemplateStore, options: dict[str, Any]) -> None:
        name = _name(options["name"])
        try:
            data = json.loads(options["data"])
        except ValueError as error:
            raise CommandError(f"--data is not JSON: {error}.") from None
        if not isinstance(data, dict):
            raise CommandError('--data must be a JSON object, like \'{"name": "Alice"}\'.')
        self.stdout.write(store.render(name, data))

    def do_sync(self, store: TemplateStore, options: dict[str, Any]) -> None:
        try:
            templates = read_folder(Path(options["folder"]))
        except TemplateFolderError as error:
            raise CommandError(str(error)) from None
        if not templates:
            raise CommandError(f"{options['folder']} holds no templates.")
        changed = 0
        for name, content in templates.items():
            if options["dry_run"]:
                current = store.get(name)
                result = (
                    "would be created"
                    if current is None
                    else "unchanged"
                    if current == content
                    else "would be updated"
                )
            else:
                result = store.put(name, content)
            changed += result != "unchanged"
            self.say(f"Template {name}: {result}.", level=1 if result != "unchanged" else 2)
        verb = "would change" if options["dry_run"] else "changed"
        self.say(
            f"{counted(len(templates), 'template', 'templates')} in the folder; {changed} {verb}."
        )
