"""Settings access.

Settings are read when they are used, never at import time, so
``override_settings`` and settings changed after start-up are honoured.
"""

from __future__ import annotations

from typing import Any

from django.conf import settings

_MISSING = object()


def get_setting(name: str, default: Any = None, *, fallbacks: tuple[str, ...] = ()) -> Any:
    """Return the first of ``name`` and ``fallbacks`` that is set, else ``default``."""
    for candidate in (name, *fallbacks):
        value = getattr(settings, candidate, _MISSING)
        if value is not _MISSING:
            return value
    return default
