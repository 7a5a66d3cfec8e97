"""The task that sends queued messages: ``django_ses.tasks.send_queued_email``.

:class:`~django_ses.queued_backend.QueuedSESBackend` enqueues it once per
message, with one JSON-safe argument, the payload described in
:mod:`django_ses.queued_message`. A worker running it sends the message
through SES (see :func:`django_ses.queued_backend.deliver`) and returns a
JSON-safe summary.

``send_queued_email`` is a Task of Django's Tasks framework (:mod:`django.tasks`
on Django 6.0+, :mod:`django_tasks` on Django 5.2). It is built when it is first
looked up, not when this module is imported, so that ``TASKS``,
``AWS_SES_TASK_BACKEND`` and ``AWS_SES_TASK_QUEUE_NAME`` are read at use time,
and a project whose ``TASKS`` has no ``"default"`` entry can still import it.
Workers find it by its path, ``django_ses.tasks.send_queued_email``.
"""

from __future__ import annotations

from typing import Any

from django.core.exceptions import ImproperlyConfigured

from django_ses.conf import get_setting
from django_ses.tasks_compat import tasks_module

__all__ = ["DEFAULT_TASK_BACKEND", "DEFAULT_TASK_QUEUE_NAME", "get_task", "send_queued_email"]

DEFAULT_TASK_BACKEND = "default"
DEFAULT_TASK_QUEUE_NAME = "default"


def send_queued_email(payload: dict[str, Any]) -> dict[str, Any]:
    """Send one queued message; return what happened (JSON-safe).

    Raises on transient failures (throttling, network, SES 5xx) and AWS-side
    configuration problems, so the task backend records a failed attempt; a
    message SES rejects for good is logged at ERROR and reported in the result.
    """
    from django_ses.queued_backend import deliver

    return deliver(payload)


# The module attribute ``send_queued_email`` is the Task (built by __getattr__),
# as the Tasks framework expects of the function's dotted path.
_SEND_QUEUED_EMAIL = send_queued_email
del send_queued_email


def task_backend_alias() -> str:
    """``AWS_SES_TASK_BACKEND``: the ``TASKS`` alias messages are queued on."""
    return str(get_setting("AWS_SES_TASK_BACKEND", DEFAULT_TASK_BACKEND))


def task_queue_name() -> str:
    """``AWS_SES_TASK_QUEUE_NAME``: the queue messages are queued on."""
    return str(get_setting("AWS_SES_TASK_QUEUE_NAME", DEFAULT_TASK_QUEUE_NAME))


def get_task() -> Any:
    """The ``send_queued_email`` Task, on the configured task backend and queue.

    Raises :class:`~django.core.exceptions.ImproperlyConfigured` when no Tasks
    implementation is installed, when ``TASKS`` has no entry named by
    ``AWS_SES_TASK_BACKEND``, or when that backend does not serve the queue.
    """
    framework = tasks_module()
    alias, queue = task_backend_alias(), task_queue_name()
    if alias not in framework.task_backends.settings:
        raise ImproperlyConfigured(
            f"AWS_SES_TASK_BACKEND is {alias!r}, but TASKS has no such entry "
            f"(it has {', '.join(map(repr, framework.task_backends.settings)) or 'none'}). "
            "Add it to TASKS or set AWS_SES_TASK_BACKEND to one of them."
        )
    try:
        return framework.task(backend=alias, queue_name=queue)(_SEND_QUEUED_EMAIL)
    except ImproperlyConfigured:
        raise
    except Exception as error:  # InvalidTaskError: the backend refuses the queue…
        raise ImproperlyConfigured(
            f"The task backend {alias!r} (AWS_SES_TASK_BACKEND) cannot run django_ses's "
            f"send_queued_email on the queue {queue!r} (AWS_SES_TASK_QUEUE_NAME): {error}"
        ) from error


def __getattr__(name: str) -> Any:
    if name == "send_queued_email":
        return get_task()
    raise AttributeError(f"module {__name__!r} has no attribute {name!r}")
