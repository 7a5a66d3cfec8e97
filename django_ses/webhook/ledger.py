"""The idempotency ledger: one :class:`~django_ses.models.SNSNotification` per SNS ``MessageId``.

:func:`record_once` is the one insert-or-stop-on-duplicate: inside one
transaction the row is inserted first, with its outcome (``processed``, or
``queued`` in tasks mode) already in it, then the caller's work runs, and both
commit together. Any failure rolls the row back, so SNS's retry is processed
again.

On PostgreSQL and SQLite the insert is one statement that ignores a conflict
on the unique ``sns_message_id`` (``INSERT … ON CONFLICT (sns_message_id) DO
NOTHING``) and its row count says whether this request recorded the message:
a notification costs ``BEGIN``, one indexed write and ``COMMIT``. A concurrent
duplicate's insert waits for the first transaction: it inserts nothing if that
commits, and records the message itself if that rolls back. On other databases
the ORM inserts the row inside a savepoint and a unique-constraint error means
"already recorded". The other functions move a queued row to ``processed`` or
``failed``.

Why a transaction around the handler rather than an autocommitted insert
with a compensating delete when the handler fails (about 50 µs less per
notification on SQLite and 100 µs on PostgreSQL, measured for issue 11):
the row would be committed before the receivers ran. A process that dies
between the two (a worker timeout during a slow receiver, a kill, a deploy)
or a delete that fails because the database went away would leave the row,
and SNS's retries would be answered "already processed": the event silently
lost. With the transaction a dying process leaves nothing committed, the
receivers' own writes commit or roll back with the row, and a concurrent
duplicate waits for the outcome instead of being told "processed" too early.
"""

from __future__ import annotations

import functools
import logging
from collections.abc import Callable, Mapping
from typing import Any

from django.db import DatabaseError, IntegrityError, connections, models, router, transaction
from django.utils import timezone

from django_ses.events import event_kind_for, event_recipients, ses_event_type
from django_ses.models import SNSNotification
from django_ses.webhook.sanitize import loggable, storable

logger = logging.getLogger(__name__)

__all__ = [
    "ParsedJSON",
    "database",
    "lock_queued",
    "mark_failed",
    "mark_processed",
    "notification_record",
    "record_once",
]


def database() -> str:
    """The database alias the ledger is written to."""
    return str(router.db_for_write(SNSNotification))


class ParsedJSON(dict[str, Any]):
    """A JSON object parsed from ``source``: the ledger writes ``source``, not a new encoding."""

    __slots__ = ("source",)

    def __init__(self, value: Mapping[str, Any], source: str) -> None:
        super().__init__(value)
        self.source = source


def notification_record(
    notification: Mapping[str, Any], message: Mapping[str, Any]
) -> dict[str, Any]:
    """The :class:`~django_ses.models.SNSNotification` fields for one notification.

    ``message`` is the notification's ``Message`` parsed, as the view and the
    task pass it: its text is written as the payload when nothing was removed.
    """
    ses_type = ses_event_type(message) or ""
    mail = message.get("mail")
    mail = mail if isinstance(mail, Mapping) else {}
    ses_message_id = mail.get("messageId")
    recipients: list[str] = []
    if ses_type == "Received":
        payload = dict(message)
        payload.pop("content", None)  # the mail itself is large; inbound keeps it
        receipt = message.get("receipt")
        found = receipt.get("recipients") if isinstance(receipt, Mapping) else None
        recipients = [r for r in found if isinstance(r, str)] if isinstance(found, list) else []
    else:
        payload = None
        if event_kind_for(ses_type) is not None:
            recipients = event_recipients(message)
    text = notification.get("Message")
    clean_payload: Any
    if not isinstance(text, str) or "\\u0000" in text:
        clean_payload = storable(dict(message) if payload is None else payload)
    elif payload is None:
        # The record as it came: the text it was parsed from is its JSON already.
        # (JSON strings hold a NUL only as the escape \u0000: without one there
        # is none to remove.)
        clean_payload = ParsedJSON(message, text)
    else:
        clean_payload = payload
    return {
        "sns_message_id": storable(notification["MessageId"]),
        "sns_type": storable(notification["Type"][:40]),
        "topic_arn": storable(notification["TopicArn"][:255]),
        "event_type": storable(ses_type[:40]),
        "ses_message_id": storable(ses_message_id[:255]) if isinstance(ses_message_id, str) else "",
        "recipients": storable(recipients),
        "payload": clean_payload,
    }


#: The databases whose ``INSERT … ON CONFLICT (column) DO NOTHING`` reports the rows it wrote.
_CONFLICT_IGNORING_VENDORS = frozenset({"postgresql", "sqlite"})


def record_once(
    record: Mapping[str, Any], then: Callable[[str], None], *, in_transaction: bool = True
) -> bool:
    """Insert ``record`` and run ``then(database alias)`` in one transaction.

    Returns ``False``, running nothing, when the ``MessageId`` is already recorded.

    ``in_transaction=False`` is for a ``then`` that does nothing a crash could
    cut short (the view's default hook when no receiver listens): on PostgreSQL
    and SQLite the insert then commits on its own, and should ``then`` raise
    after all, the row is deleted again so that SNS's retry is processed.
    """
    using = database()
    connection = connections[using]
    if not in_transaction and connection.vendor in _CONFLICT_IGNORING_VENDORS:
        return _record_then_run(connection, using, record, then)
    with transaction.atomic(using=using):
        if connection.vendor in _CONFLICT_IGNORING_VENDORS:
            inserted = _insert_ignoring_conflict(connection, record)
        else:
            inserted = _insert_in_savepoint(using, record)
        if not inserted:
            return False
        then(using)
    return True


def _record_then_run(
    connection: Any, using: str, record: Mapping[str, Any], then: Callable[[str], None]
) -> bool:
    if not _insert_ignoring_conflict(connection, record):
        return False
    try:
        then(using)
    except BaseException:
        SNSNotification.objects.using(using).filter(
            sns_message_id=record["sns_message_id"]
        ).delete()
        raise
    return True


def _insert_in_savepoint(using: str, record: Mapping[str, Any]) -> bool:
    try:
        with transaction.atomic(using=using):
            SNSNotification.objects.using(using).create(**record)
    except IntegrityError:
        return False
    return True


def _insert_ignoring_conflict(connection: Any, record: Mapping[str, Any]) -> bool:
    """One ``INSERT … ON CONFLICT (sns_message_id) DO NOTHING``; whether it wrote the row.

    Every column is written, as the ORM would write it: the record's value or
    the field's default, prepared for this database (by the database's own
    adapters for the JSON lists and the ``processed_at`` default, which is all
    the field would do with them; a constant text default as it is).
    """
    ops = connection.ops
    values = []
    for field, kind, constant in _insert_fields():
        value = record.get(field.name, _ABSENT)
        if value is _ABSENT:
            if kind == _NOW:
                values.append(ops.adapt_datetimefield_value(timezone.now()))
                continue
            if constant is not _ABSENT:
                values.append(constant)
                continue
            value = field.get_default()
        if kind == _TEXT and isinstance(value, str):
            pass  # a string is written as it is
        elif isinstance(value, ParsedJSON):
            value = value.source  # a JSON column: the text it was parsed from
        elif kind == _JSON and type(value) in (list, dict):
            value = ops.adapt_json_value(value, field.encoder)
        else:
            value = field.get_db_prep_save(value, connection)
        values.append(value)
    sql, names = _insert_statement(connection)
    with connection.cursor() as cursor:
        cursor.execute(sql, dict(zip(names, values, strict=True)) if names else values)
        return bool(cursor.rowcount == 1)


# How _insert_ignoring_conflict prepares a column's value.
_TEXT, _JSON, _NOW, _OTHER = "text", "json", "now", "other"
_ABSENT: Any = object()


@functools.cache
def _insert_fields() -> tuple[tuple[Any, str, Any], ...]:
    """Every column but the primary key: the field, how its value is prepared, and
    its default when that is a constant string (written as it is), else ``_ABSENT``."""
    meta = SNSNotification._meta

    def kind(field: Any) -> str:
        if type(field) in (models.CharField, models.TextField):
            return _TEXT
        if type(field) is models.JSONField:
            return _JSON
        if type(field) is models.DateTimeField and field.default is timezone.now:
            return _NOW  # the default is aware exactly when USE_TZ is on: nothing to convert
        return _OTHER

    def constant(field: Any, kind: str) -> Any:
        default = field.default
        if kind == _TEXT and field.has_default() and isinstance(default, str):
            return default
        return _ABSENT

    return tuple(
        (field, kind(field), constant(field, kind(field)))
        for field in meta.concrete_fields
        if field is not meta.pk
    )


# The statement and its parameter names (empty: positional), by database vendor.
_INSERT_STATEMENTS: dict[str, tuple[str, tuple[str, ...]]] = {}


def _insert_statement(connection: Any) -> tuple[str, tuple[str, ...]]:
    """The insert for ``connection``'s database, and the names of its parameters.

    On SQLite the parameters are named (``%(column)s``): Django's SQLite cursor
    turns positional ``%s`` into ``?`` with a regular expression on every
    execution, and named ones with a cheaper string substitution. The statement
    is the same.
    """
    statement = _INSERT_STATEMENTS.get(connection.vendor)
    if statement is None:
        quote = connection.ops.quote_name
        table = quote(SNSNotification._meta.db_table)
        fields = [field for field, _, _ in _insert_fields()]
        columns = ", ".join(quote(field.column) for field in fields)
        names = tuple(field.column for field in fields) if connection.vendor == "sqlite" else ()
        placeholders = [f"%({name})s" for name in names] if names else ["%s"] * len(fields)
        # A JSON value may come as its text (ParsedJSON): PostgreSQL is told it is jsonb.
        if connection.vendor == "postgresql":
            placeholders = [
                f"CAST({placeholder} AS jsonb)"
                if isinstance(field, models.JSONField)
                else placeholder
                for field, placeholder in zip(fields, placeholders, strict=True)
            ]
        unique = quote("sns_message_id")  # the column of the unique SNSNotification field
        # Only quoted names from the model's metadata; every value is a parameter.
        sql = (
            f"INSERT INTO {table} ({columns}) VALUES ({', '.join(placeholders)}) "  # noqa: S608
            f"ON CONFLICT ({unique}) DO NOTHING"
        )
        statement = _INSERT_STATEMENTS[connection.vendor] = (sql, names)
    return statement


def lock_queued(using: str, sns_message_id: str) -> SNSNotification | None:
    """The row of ``sns_message_id``, locked until the transaction ends (``None`` if missing)."""
    rows = SNSNotification.objects.using(using).select_for_update()
    row: SNSNotification | None = rows.filter(sns_message_id=sns_message_id).first()
    return row


def mark_processed(row: SNSNotification) -> None:
    """Mark a locked row ``processed``; it no longer needs the raw message."""
    row.status = str(SNSNotification.Status.PROCESSED)
    row.error = ""
    row.raw_message = ""
    row.processed_at = timezone.now()
    row.save(update_fields=["status", "error", "raw_message", "processed_at"])


def mark_failed(using: str, sns_message_id: str, error: str) -> None:
    """Mark the row ``failed`` with ``error``, unless it was processed; never raises."""
    try:
        SNSNotification.objects.using(using).filter(sns_message_id=sns_message_id).exclude(
            status=SNSNotification.Status.PROCESSED
        ).update(status=SNSNotification.Status.FAILED, error=error)
    except DatabaseError:
        logger.exception(
            "Could not mark the SNS notification failed (MessageId=%s)", loggable(sns_message_id)
        )
