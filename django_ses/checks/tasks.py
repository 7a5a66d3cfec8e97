"""System checks for queued sending, ``django_ses.QueuedSESBackend`` (E017-E019)."""

from __future__ import annotations

import warnings
from collections.abc import Callable, Iterator
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
    return check_task_setup(
        get_task,
        ids=("django_ses.E017", "django_ses.E018", "django_ses.E019"),
        no_framework=str,
        no_backend=lambda alias: (
            f"QueuedSESBackend queues on the task backend {alias!r} (AWS_SES_TASK_BACKEND), "
            "but TASKS has no such entry."
        ),
    )


def check_task_setup(
    build_task: Callable[[], Any],
    *,
    ids: tuple[str, str, str],
    no_framework: Callable[[ImproperlyConfigured], str],
    no_backend: Callable[[str], str],
) -> Iterator[checks.CheckMessage]:
    """Whether ``build_task()`` can build its task; ``ids``: no framework, no backend, no queue."""
    try:
        framework = tasks_module()
    except ImproperlyConfigured as error:
        yield checks.Error(
            no_framework(error),
            hint='Upgrade to Django 6.0+, or pip install "django-ses[tasks]".',
            id=ids[0],
        )
        return
    alias = task_backend_alias()
    if alias not in framework.task_backends.settings:
        yield checks.Error(
            no_backend(alias),
            hint="Add it to TASKS, or set AWS_SES_TASK_BACKEND to an alias of TASKS.",
            id=ids[1],
        )
        return
    try:
        build_task()
    except ImproperlyConfigured as error:
        yield checks.Error(
            str(error),
            hint="Set AWS_SES_TASK_QUEUE_NAME to one of the backend's QUEUES.",
            id=ids[2],
        )
