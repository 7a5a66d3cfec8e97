"""The warning category of django_ses's deprecations.

django-ses 4.8.2 named it :class:`RemovedInDjangoSES20Warning`; code that
filters it (``warnings.filterwarnings("error", category=...)``) keeps working.
Everything deprecated in django_ses warns with it and goes away in 2.0.
"""

from __future__ import annotations

__all__ = ["RemovedInDjangoSES20Warning"]


class RemovedInDjangoSES20Warning(DeprecationWarning):
    """A name or behaviour that django_ses 2.0 removes."""
