"""Enqueueing the ``process_ses_event`` task for a notification recorded ``queued``.

With ``AWS_SES_EVENT_PROCESSING = "tasks"`` an SES event (of a kind
:mod:`django_ses.events` knows) is recorded with status ``queued`` and the
``django_ses.tasks.process_ses_event`` task is enqueued when the row's
transaction commits (``transaction.on_commit``), so a worker never runs before
the row is visible and a rolled-back row never has a task. When the task
backend stores its tasks in the same database (django-tasks-db), the task is
enqueued inside the transaction instead, so the row and the task commit
together (:func:`stores_tasks_in`, the one place that knows such backends).
"""

from __future__ import annotations

import logging
from collections.abc import Mapping
from functools import partial
from typing import Any

from django.db import router, transaction
from django.utils.module_loading import import_string

from django_ses.models import SNSNotification
from django_ses.tasks import get_event_task
from django_ses.webhook import ledger
from django_ses.webhook.sanitize import error_text, loggable, storable

logger = logging.getLogger(__name__)

__all__ = ["enqueue_with_row", "queue_once", "stores_tasks_in", "task_arguments"]

# Task backends that store tasks with the ORM, and their task model.
_DATABASE_TASK_BACKENDS = (
    ("django_tasks_db", "django_tasks_db.models.DBTaskResult"),
    ("django_tasks.backends.database", "django_tasks.backends.database.models.DBTaskResult"),
)


def task_arguments(
    notification: Mapping[str, Any], raw_message: str, view_path: str
) -> dict[str, Any]:
    """The keyword arguments of ``process_ses_event`` for one notification."""
    return {"notification": dict(notification), "raw_message": raw_message, "view": view_path}


def queue_once(
    notification: Mapping[str, Any], record: dict[str, Any], raw_message: str, view_path: str
) -> bool:
    """Record the notification ``queued`` and enqueue its task; ``False`` if already recorded."""
    task = get_event_task()
    record = {
        **record,
        "status": SNSNotification.Status.QUEUED,
        "raw_message": storable(raw_message),
        "view_path": view_path,
    }
    arguments = task_arguments(notification, raw_message, view_path)
    return ledger.record_once(record, partial(enqueue_with_row, task, arguments))


def enqueue_with_row(task: Any, arguments: dict[str, Any], using: str) -> None:
    """Enqueue ``task`` for the row written in the current transaction on ``using``.

    Inside the transaction when the task backend stores tasks in that same
    database (both commit or neither), else once the transaction committed.
    """
    if stores_tasks_in(task, using):
        task.enqueue(**arguments)
    else:
        transaction.on_commit(partial(_enqueue_after_commit, task, arguments, using), using=using)


def stores_tasks_in(task: Any, using: str) -> bool:
    """Whether ``task``'s backend keeps its tasks in the database alias ``using``."""
    get_backend = getattr(task, "get_backend", None)
    if get_backend is None:
        return False
    module = type(get_backend()).__module__
    for package, model_path in _DATABASE_TASK_BACKENDS:
        if module == package or module.startswith(f"{package}."):
            try:
                model = import_string(model_path)
            except ImportError:
                return False
            return bool(router.db_for_write(model) == using)
    return False


def _enqueue_after_commit(task: Any, arguments: dict[str, Any], using: str) -> None:
    """Enqueue a committed notification's task; a failure marks the row ``failed``.

    The row stays visible in the admin, whose "Process again" action enqueues it.
    """
    try:
        task.enqueue(**arguments)
    except Exception as exc:
        sns_message_id = arguments["notification"]["MessageId"]
        logger.exception(
            "SES event recorded but its task could not be enqueued; use the admin's "
            '"Process again" (MessageId=%s)',
            loggable(sns_message_id),
        )
        ledger.mark_failed(
            using, sns_message_id, f"The task could not be enqueued:\n{error_text(exc)}"
        )
