"""Which implementation of Django's Tasks framework to use.

Django 6.0 ships it as :mod:`django.tasks`; on Django 5.2 the same API comes
from the ``django-tasks`` package (``pip install "django-ses[tasks]"``), as
:mod:`django_tasks`. :func:`tasks_module` returns the first one available.
"""

from __future__ import annotations

import importlib
from types import ModuleType

from django.core.exceptions import ImproperlyConfigured

__all__ = ["IMPLEMENTATIONS", "tasks_available", "tasks_module"]

#: The modules tried, in order.
IMPLEMENTATIONS = ("django.tasks", "django_tasks")


def tasks_module() -> ModuleType:
    """Return :mod:`django.tasks` or, failing that, :mod:`django_tasks`.

    Raises :class:`~django.core.exceptions.ImproperlyConfigured` when neither
    can be imported.
    """
    problems: list[str] = []
    for name in IMPLEMENTATIONS:
        try:
            module = importlib.import_module(name)
            if name == "django_tasks":
                # Connects the receiver that forgets the task backends when TASKS
                # changes (override_settings), as django.tasks does on import.
                importlib.import_module("django_tasks.signals")
        except ImportError as error:
            problems.append(f"{name}: {error}")
            continue
        return module
    raise ImproperlyConfigured(
        "Queued sending (django_ses.QueuedSESBackend) and processing SES events in tasks "
        '(AWS_SES_EVENT_PROCESSING = "tasks") need Django\'s Tasks framework: '
        'Django 6.0 or later, or on Django 5.2 `pip install "django-ses[tasks]"` '
        f"(the django-tasks package). Import errors: {'; '.join(problems)}."
    )


def tasks_available() -> bool:
    """True when :func:`tasks_module` finds an implementation."""
    try:
        tasks_module()
    except ImproperlyConfigured:
        return False
    return True
