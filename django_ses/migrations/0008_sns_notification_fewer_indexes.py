"""SNSNotification keeps only the indexes its lookups need.

``topic_arn``, ``event_type`` and ``status`` lose their single-column indexes
(and, on PostgreSQL, their ``varchar_pattern_ops`` twins): nothing looks rows
up by them but the admin's filters, and every notification's insert paid for
them. A partial index on ``status`` covers the rows that are not processed
(queued and failed, which the admin and the task worker look for).

The indexes are dropped by name, as the database reports them, rather than by
``AlterField``: on SQLite that would copy the whole table three times.
"""

from typing import Any

from django.db import migrations, models

TABLE = "django_ses_snsnotification"
UNINDEXED = ("topic_arn", "event_type", "status")


def _single_column_indexes(schema_editor: Any, column: str) -> list[str]:
    connection = schema_editor.connection
    with connection.cursor() as cursor:
        constraints = connection.introspection.get_constraints(cursor, TABLE)
    return [
        name
        for name, info in constraints.items()
        if info["index"]
        and not info["unique"]
        and not info["primary_key"]
        and info["columns"] == [column]
        and name != "django_ses_sns_unprocessed"
    ]


def drop_indexes(apps: Any, schema_editor: Any) -> None:
    model = apps.get_model("django_ses", "SNSNotification")
    for column in UNINDEXED:
        for name in _single_column_indexes(schema_editor, column):
            schema_editor.execute(schema_editor._delete_index_sql(model, name))


def restore_indexes(apps: Any, schema_editor: Any) -> None:
    """The indexes ``db_index=True`` made: the column's, and on PostgreSQL its ``_like`` twin."""
    model = apps.get_model("django_ses", "SNSNotification")
    for column in UNINDEXED:
        if _single_column_indexes(schema_editor, column):
            continue
        field = model._meta.get_field(column)
        schema_editor.execute(schema_editor._create_index_sql(model, fields=[field]))
        like_index = getattr(schema_editor, "_create_like_index_sql", None)
        sql = like_index(model, field) if like_index is not None else None
        if sql is not None:
            schema_editor.execute(sql)


class Migration(migrations.Migration):
    dependencies = [
        ("django_ses", "0007_blacklist_reason_unsubscribed"),
    ]

    operations = [
        migrations.SeparateDatabaseAndState(
            state_operations=[
                migrations.AlterField(
                    model_name="snsnotification",
                    name="event_type",
                    field=models.CharField(blank=True, default="", max_length=40),
                ),
                migrations.AlterField(
                    model_name="snsnotification",
                    name="status",
                    field=models.CharField(
                        choices=[
                            ("processed", "Processed"),
                            ("queued", "Queued"),
                            ("failed", "Failed"),
                        ],
                        default="processed",
                        max_length=10,
                    ),
                ),
                migrations.AlterField(
                    model_name="snsnotification",
                    name="topic_arn",
                    field=models.CharField(blank=True, default="", max_length=255),
                ),
            ],
            database_operations=[migrations.RunPython(drop_indexes, restore_indexes)],
        ),
        migrations.AddIndex(
            model_name="snsnotification",
            index=models.Index(
                condition=models.Q(("status", "processed"), _negated=True),
                fields=["status"],
                name="django_ses_sns_unprocessed",
            ),
        ),
    ]
