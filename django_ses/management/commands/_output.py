"""Output helpers shared by django_ses's management commands.

(Django does not treat modules whose name starts with ``_`` as commands.)
"""

from __future__ import annotations

import io
import time
from typing import Any

from django.core.management.base import BaseCommand, OutputWrapper


class ProgressBar:
    """A one-line progress bar, drawn only when ``stream`` is a terminal.

    ``total`` may be ``None`` when the amount is unknown (a paginated listing):
    then only the count is shown. Redraws at most ten times a second.
    """

    width = 30

    def __init__(self, stream: Any, label: str, total: int | None, *, enabled: bool = True):
        isatty = getattr(stream, "isatty", None)
        self.stream = stream
        self.label = label
        self.total = total
        self.done = 0
        self.enabled = bool(enabled and callable(isatty) and isatty())
        self._drawn_at = 0.0
        self._drawn = False

    def __enter__(self) -> ProgressBar:
        return self

    def __exit__(self, *exc_info: object) -> None:
        self.close()

    def advance(self, count: int = 1) -> None:
        self.done += count
        now = time.monotonic()
        if self.enabled and (now - self._drawn_at >= 0.1 or self.done == self.total):
            self._draw()
            self._drawn_at = now

    def render(self) -> str:
        if self.total:
            share = min(self.done / self.total, 1.0)
            filled = round(share * self.width)
            bar = "#" * filled + "-" * (self.width - filled)
            return f"{self.label} [{bar}] {self.done:,}/{self.total:,}"
        return f"{self.label}: {self.done:,}"

    def _draw(self) -> None:
        self.stream.write("\r" + self.render(), ending="")
        self.stream.flush()
        self._drawn = True

    def close(self) -> None:
        if self.enabled and self._drawn:
            self._draw()
            self.stream.write("")  # end the line
            self._drawn = False


def counted(count: int, singular: str, plural: str) -> str:
    """``"1 address"``, ``"2 addresses"``."""
    return f"{count} {singular if count == 1 else plural}"


class VerboseCommand(BaseCommand):
    """A command whose messages follow ``--verbosity``.

    :meth:`say` writes to stdout, :meth:`warn` to stderr. At verbosity 0 a
    command prints only what it was asked for (a listing, a CSV, a template)
    and its errors: no summary, no progress, no warning, and no system-check
    warning either (a system-check *error* still stops the command).
    """

    verbosity = 1

    def execute(self, *args: Any, **options: Any) -> Any:
        self.verbosity = int(options.get("verbosity", 1))
        return super().execute(*args, **options)

    def check(self, *args: Any, **kwargs: Any) -> None:
        """Django's system checks; at verbosity 0 their warnings are not printed."""
        if self.verbosity >= 1:
            super().check(*args, **kwargs)
            return
        # BaseCommand.check prints warnings to self.stderr and raises
        # SystemCheckError (with the whole report) for errors.
        shown, self.stderr = self.stderr, OutputWrapper(io.StringIO())
        try:
            super().check(*args, **kwargs)
        finally:
            self.stderr = shown

    def say(self, message: str, level: int = 1) -> None:
        """Write ``message`` to stdout at ``level`` or more of verbosity."""
        if self.verbosity >= level:
            self.stdout.write(message)

    def warn(self, message: str) -> None:
        """Write ``message`` to stderr unless the verbosity is 0."""
        if self.verbosity >= 1:
            self.stderr.write(message)
