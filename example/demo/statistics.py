"""Keeping the dashboard's stored statistics fresh."""

from __future__ import annotations

from io import StringIO

from django.core.management import call_command
from django.core.management.base import CommandError


def refresh_statistics() -> str:
    """Run ``get_ses_statistics``; return "" on success, else why it did not run."""
    try:
        call_command("get_ses_statistics", verbosity=0, stdout=StringIO(), stderr=StringIO())
    except CommandError as error:
        return str(error)
    return ""
