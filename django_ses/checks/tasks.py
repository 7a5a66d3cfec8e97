"""System checks for queued sending, ``django_ses.QueuedSESBackend`` (E017-E019)."""

from __future__ import annotations

import warnings
from collections.abc import Iterator
from typing import Any

from django.conf import settings as django_settings
from django.core import checks
from django.core.exceptions import ImproperlyConfigured
from django.utils.module_loading import import_string

from django_ses.backends.queued import QueuedSESBackend
from django_ses.tasks import get_task, task_backend_alias
from django_ses.tasks_compat import tasks_module


@checks.register("django_ses")
def check_queued_sending(app_configs: Any = None, **kwargs: Any) -> list[checks.CheckMessage]:
    if not _queued_backend_configured():
        return []
    return list(_check_tasks())


def _configured_backends() -> Iterator[str]:
    with warnings.catch_warnings():
        # Django 6.1 deprecates EMAIL_BACKEND; Django itself warns the project
        # that sets it, so reading it here must not warn a second time.
        warnings.simplefilter("ignore")
        backend = getattr(django_settings, "EMAIL_BACKEND", None)
    if isinstance(backend, str):
        yield backend
    mailers = getattr(django_settings, "MAILERS", None)
    if isinstance(mailers, dict):
        for entry in mailers.values():
            if isinstance(entry, dict) and isinstance(entry.get("BACKEND"), str):
                yield entry["BACKEND"]


def _queued_backend_configured() -> bool:
    for path in _configured_backends():
        try:
            backend = import_string(path)
        except ImportError:
            continue  # Django reports backends that cannot be imported.
        if isinstance(backend, type) and issubclass(backend, QueuedSESBackend):
            return True
    return False


def _check_tasks() -> Iterator[checks.CheckMessage]:
    try:
        framework = tasks_module()
    except ImproperlyConfigured as error:
        yield checks.Error(
            str(error),
            hint='Upgrade to Django 6.0+, or pip install "django-ses[tasks]".',
            id="django_ses.E017",
        )
        return
    alias = task_backend_alias()
    if alias not in framework.task_backends.settings:
        yield checks.Error(
            f"QueuedSESBackend queues on the task backend {alias!r} (AWS_SES_TASK_BACKEND), "
            "but TASKS has no such entry.",
            hint="Add it to TASKS, or set AWS_SES_TASK_BACKEND to an alias of TASKS.",
            id="django_ses.E018",
        )
        return
    try:
        get_task()
    except ImproperlyConfigured as error:
        yield checks.Error(
            str(error),
            hint="Set AWS_SES_TASK_QUEUE_NAME to one of the backend's QUEUES.",
            id="django_ses.E019",
        )
