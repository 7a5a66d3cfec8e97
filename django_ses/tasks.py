"""django_ses's tasks: ``send_queued_email`` and ``process_ses_event``.

``process_ses_event`` processes one SES event that the webhook accepted with
``AWS_SES_EVENT_PROCESSING = "tasks"`` (see :mod:`django_ses.webhook.queueing`).

:class:`~django_ses.backends.queued.QueuedSESBackend` enqueues
``send_queued_email`` once per message, with one JSON-safe argument, the
payload described in :mod:`django_ses.sending.queued_email`. A worker running
it sends the message through SES (see :func:`django_ses.sending.worker.deliver`)
and returns a JSON-safe summary.

``send_queued_email`` is a Task of Django's Tasks framework (:mod:`django.tasks`
on Django 6.0+, :mod:`django_tasks` on Django 5.2). It is built when it is first
looked up (then reused until ``TASKS`` or a task setting changes), not when this
module is imported, so that ``TASKS``,
``AWS_SES_TASK_BACKEND`` and ``AWS_SES_TASK_QUEUE_NAME`` are read at use time,
and a project whose ``TASKS`` has no ``"default"`` entry can still import it.
Workers find it by its path, ``django_ses.tasks.send_queued_email``.
"""

from __future__ import annotations

import datetime
import threading
from typing import Any

from django.core.exceptions import ImproperlyConfigured
from django.utils import timezone

from django_ses import caches
from django_ses.conf import SETTINGS, get_setting
from django_ses.sending.worker import Requeue, deliver
from django_ses.tasks_compat import tasks_module
from django_ses.webhook.worker import process_queued_event

__all__ = [
    "DEFAULT_TASK_BACKEND",
    "DEFAULT_TASK_QUEUE_NAME",
    "get_event_task",
    "get_task",
    "process_ses_event",
    "send_queued_email",
]

DEFAULT_TASK_BACKEND: str = SETTINGS["AWS_SES_TASK_BACKEND"].default
DEFAULT_TASK_QUEUE_NAME: str = SETTINGS["AWS_SES_TASK_QUEUE_NAME"].default


def send_queued_email(payload: dict[str, Any]) -> dict[str, Any]:
    """Send one queued message; return what happened (JSON-safe).

    On a transient failure (throttling, SES 5xx, a connection failure before
    the request was written) the task queues itself again with ``run_after``
    and backoff, when its task backend supports deferred tasks; after the last
    attempt, or on a backend without them (``ImmediateBackend``), and on
    AWS-side configuration problems, it raises, so the task backend records a
    failed task. A message SES may have accepted is ``unknown`` and never sent
    again; one SES rejects for good is logged at ERROR and reported in the
    result. See :func:`django_ses.sending.worker.deliver`.
    """
    return deliver(payload, requeue=_requeue_hook())


def process_ses_event(
    notification: dict[str, Any], raw_message: str = "", view: str = ""
) -> dict[str, Any]:
    """Fire the signals of one verified SNS ``Notification``; return what happened.

    ``notification`` is the verified SNS message, ``raw_message`` the request
    body it came in (the signals' ``raw_message``), ``view`` the dotted path of
    the webhook view class whose handlers run. A receiver that raises marks the
    :class:`~django_ses.models.SNSNotification` ``failed`` and the exception
    propagates, so the task backend records the failure.
    """
    return process_queued_event(notification, raw_message=raw_message, view_path=view)


# The module attributes ``send_queued_email`` and ``process_ses_event`` are the
# Tasks (built by __getattr__), as the Tasks framework expects of the functions'
# dotted paths.
_SEND_QUEUED_EMAIL = send_queued_email
_PROCESS_SES_EVENT = process_ses_event
del send_queued_email, process_ses_event


def _requeue_hook() -> Requeue | None:
    """How the task queues its next attempt, or ``None`` when its backend cannot defer tasks."""
    task = get_task()
    if not getattr(task.get_backend(), "supports_defer", False):
        return None

    def requeue(payload: dict[str, Any], delay: float) -> Any:
        run_after = timezone.now() + datetime.timedelta(seconds=delay)
        return task.using(run_after=run_after).enqueue(payload)

    return requeue


def task_backend_alias() -> str:
    """``AWS_SES_TASK_BACKEND``: the ``TASKS`` alias messages are queued on."""
    return str(get_setting("AWS_SES_TASK_BACKEND"))


def task_queue_name() -> str:
    """``AWS_SES_TASK_QUEUE_NAME``: the queue messages are queued on."""
    return str(get_setting("AWS_SES_TASK_QUEUE_NAME"))


def get_task() -> Any:
    """The ``send_queued_email`` Task, on the configured task backend and queue.

    Raises :class:`~django.core.exceptions.ImproperlyConfigured` when no Tasks
    implementation is installed, when ``TASKS`` has no entry named by
    ``AWS_SES_TASK_BACKEND``, or when that backend does not serve the queue.
    """
    return _build_task(_SEND_QUEUED_EMAIL)


def get_event_task() -> Any:
    """The ``process_ses_event`` Task, on the configured task backend and queue.

    Raises :class:`~django.core.exceptions.ImproperlyConfigured` as :func:`get_task`.
    """
    return _build_task(_PROCESS_SES_EVENT)


#: The Tasks built so far, by (function, backend alias, queue): built once, not on
#: every lookup. Cleared when TASKS or either setting changes (django_ses.caches).
_built: dict[tuple[str, str, str], Any] = {}
_built_lock = threading.Lock()


def _forget_tasks() -> None:
    with _built_lock:
        _built.clear()


caches.register_cache(
    "tasks", _forget_tasks, settings=("TASKS", "AWS_SES_TASK_BACKEND", "AWS_SES_TASK_QUEUE_NAME")
)


def _build_task(function: Any) -> Any:
    alias, queue = task_backend_alias(), task_queue_name()
    key = (function.__name__, alias, queue)
    task = _built.get(key)
    if task is None:
        task = _new_task(function, alias, queue)
        with _built_lock:
            task = _built.setdefault(key, task)
    return task


def _new_task(function: Any, alias: str, queue: str) -> Any:
    framework = tasks_module()
    if alias not in framework.task_backends.settings:
        raise ImproperlyConfigured(
            f"AWS_SES_TASK_BACKEND is {alias!r}, but TASKS has no such entry "
            f"(it has {', '.join(map(repr, framework.task_backends.settings)) or 'none'}). "
            "Add it to TASKS or set AWS_SES_TASK_BACKEND to one of them."
        )
    try:
        return framework.task(backend=alias, queue_name=queue)(function)
    except ImproperlyConfigured:
        raise
    except Exception as error:  # InvalidTaskError: the backend refuses the queue…
        raise ImproperlyConfigured(
            f"The task backend {alias!r} (AWS_SES_TASK_BACKEND) cannot run django_ses's "
            f"{function.__name__} on the queue {queue!r} (AWS_SES_TASK_QUEUE_NAME): {error}"
        ) from error


def __getattr__(name: str) -> Any:
    if name == "send_queued_email":
        return get_task()
    if name == "process_ses_event":
        return get_event_task()
    raise AttributeError(f"module {__name__!r} has no attribute {name!r}")
