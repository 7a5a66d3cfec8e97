"""SES templates as data: read a folder of template files, and manage templates in SES.

A template folder holds, per template ``name``, ``name.subject.txt`` (required)
and ``name.txt`` and/or ``name.html``: plain files with SES's
``{{placeholders}}``, never Django templates. :func:`read_folder` reads one;
:class:`TemplateStore` lists, reads, creates or updates, deletes and
test-renders templates through SES API v2 (``ListEmailTemplates``,
``GetEmailTemplate``, ``CreateEmailTemplate``/``UpdateEmailTemplate``,
``DeleteEmailTemplate``, ``TestRenderEmailTemplate``). AWS failures raise
:class:`~django_ses.exceptions.StatsError` saying what to do.
"""

from __future__ import annotations

import json
import re
from collections.abc import Iterator, Mapping
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from django_ses.aws.errors import NOT_FOUND
from django_ses.exceptions import StatsError
from django_ses.reporting.clients import call, paginate, v2_client

__all__ = ["TemplateContent", "TemplateFolderError", "TemplateStore", "read_folder"]

# SES template names: letters, digits, "_" and "-", 1 to 64 characters.
_NAME = re.compile(r"[A-Za-z0-9_-]{1,64}")
_SUFFIXES = {".subject.txt": "Subject", ".txt": "Text", ".html": "Html"}


class TemplateFolderError(ValueError):
    """A template folder that cannot be synced; the message says which file and why."""


@dataclass(frozen=True)
class TemplateContent:
    """One SES template's content."""

    subject: str
    text: str | None = None
    html: str | None = None

    @classmethod
    def from_api(cls, content: Mapping[str, Any]) -> TemplateContent:
        return cls(
            subject=str(content.get("Subject", "")),
            text=content.get("Text"),
            html=content.get("Html"),
        )

    def to_api(self) -> dict[str, str]:
        parts = {"Subject": self.subject, "Text": self.text, "Html": self.html}
        return {key: value for key, value in parts.items() if value is not None}


def check_name(name: str) -> str:
    """``name`` when SES accepts it as a template name; :class:`ValueError` otherwise."""
    if not _NAME.fullmatch(name):
        raise ValueError(
            f"{name!r} is not a valid SES template name: use 1-64 ASCII letters, digits, "
            "'_' or '-'."
        )
    return name


def read_folder(folder: Path) -> dict[str, TemplateContent]:
    """The templates of ``folder``, by name (see the module's docstring for the layout)."""
    if not folder.is_dir():
        raise TemplateFolderError(f"{folder} is not a folder.")
    parts: dict[str, dict[str, str]] = {}
    for path in sorted(folder.iterdir()):
        if not path.is_file():
            continue
        suffix = next((s for s in _SUFFIXES if path.name.endswith(s)), None)
        if suffix is None:
            raise TemplateFolderError(
                f"{path.name}: not a template file (expected NAME.subject.txt, NAME.txt "
                "or NAME.html)."
            )
        name = path.name[: -len(suffix)]
        try:
            check_name(name)
            text = path.read_text(encoding="utf-8")
        except ValueError as error:
            raise TemplateFolderError(f"{path.name}: {error}") from error
        parts.setdefault(name, {})[_SUFFIXES[suffix]] = text
    templates: dict[str, TemplateContent] = {}
    for name, found in parts.items():
        if "Subject" not in found:
            raise TemplateFolderError(f"{name}: {name}.subject.txt is missing.")
        if "Text" not in found and "Html" not in found:
            raise TemplateFolderError(f"{name}: give {name}.txt, {name}.html or both.")
        templates[name] = TemplateContent(
            subject=found["Subject"].strip(), text=found.get("Text"), html=found.get("Html")
        )
    return templates


class TemplateStore:
    """The account's SES templates (API v2), with the default mailer's settings."""

    def __init__(self, client: Any = None) -> None:
        self._client = client if client is not None else v2_client()

    def names(self) -> Iterator[str]:
        for page in paginate(self._client, "ListEmailTemplates", "list_email_templates", {}):
            for item in page.get("TemplatesMetadata", []):
                yield str(item["TemplateName"])

    def get(self, name: str) -> TemplateContent | None:
        """The template's content, or ``None`` when SES has no template of that name."""
        try:
            answer = call(self._client, "GetEmailTemplate", "get_email_template", TemplateName=name)
        except StatsError as error:
            if error.code == NOT_FOUND:
                return None
            raise
        return TemplateContent.from_api(answer["TemplateContent"])

    def put(self, name: str, content: TemplateContent) -> str:
        """Create or update the template; ``"created"``, ``"updated"`` or ``"unchanged"``."""
        current = self.get(name)
        if current == content:
            return "unchanged"
        operation = "create" if current is None else "update"
        call(
            self._client,
            f"{operation.capitalize()}EmailTemplate",
            f"{operation}_email_template",
            TemplateName=name,
            TemplateContent=content.to_api(),
        )
        return f"{operation}d"

    def delete(self, name: str) -> bool:
        """Delete the template; ``False`` when there was none."""
        try:
            call(self._client, "DeleteEmailTemplate", "delete_email_template", TemplateName=name)
        except StatsError as error:
            if error.code == NOT_FOUND:
                return False
            raise
        return True

    def render(self, name: str, data: Mapping[str, Any]) -> str:
        """The raw message SES renders from the template and ``data``."""
        answer = call(
            self._client,
            "TestRenderEmailTemplate",
            "test_render_email_template",
            TemplateName=name,
            TemplateData=json.dumps(data),
        )
        return str(answer["RenderedTemplate"])
