"""Migrations: a django-ses database (0001 + 0002) migrates to ours and keeps its data."""

from __future__ import annotations

import datetime as dt
import io

import pytest
from django.core.management import call_command
from django.db import connection
from django.db.migrations.executor import MigrationExecutor

DJANGO_SES_SCHEMA = [("django_ses", "0002_blacklistedemail")]

# The tables and columns django-ses's own migrations 0001 and 0002 create.
DJANGO_SES_COLUMNS = {
    "django_ses_sesstat": {"id", "date", "delivery_attempts", "bounces", "complaints", "rejects"},
    "django_ses_blacklistedemail": {"id", "email"},
}


def _columns(table: str) -> set[str]:
    with connection.cursor() as cursor:
        return {c.name for c in connection.introspection.get_table_description(cursor, table)}


def _migrate(targets):
    executor = MigrationExecutor(connection)
    executor.loader.build_graph()
    executor.migrate(targets)
    return executor.loader.project_state(targets).apps


@pytest.fixture
def old_schema(transactional_db):
    """The database as django-ses left it; migrated forward again afterwards."""
    apps = _migrate(DJANGO_SES_SCHEMA)
    yield apps
    executor = MigrationExecutor(connection)
    _migrate(executor.loader.graph.leaf_nodes())


def test_migrations_0001_and_0002_create_exactly_django_ses_tables(old_schema):
    for table, columns in DJANGO_SES_COLUMNS.items():
        assert _columns(table) == columns


def test_data_of_a_django_ses_database_survives_the_later_migrations(old_schema):
    OldStat = old_schema.get_model("django_ses", "SESStat")
    OldBlacklisted = old_schema.get_model("django_ses", "BlacklistedEmail")
    OldStat.objects.create(
        date=dt.date(2024, 5, 1), delivery_attempts=10, bounces=1, complaints=2, rejects=3
    )
    OldBlacklisted.objects.create(email="old@example.com")

    executor = MigrationExecutor(connection)
    new_apps = _migrate(executor.loader.graph.leaf_nodes())

    Stat = new_apps.get_model("django_ses", "SESStat")
    Blacklisted = new_apps.get_model("django_ses", "BlacklistedEmail")
    stat = Stat.objects.get()
    assert (stat.date, stat.delivery_attempts, stat.bounces, stat.complaints, stat.rejects) == (
        dt.date(2024, 5, 1),
        10,
        1,
        2,
        3,
    )
    entry = Blacklisted.objects.get()
    assert entry.email == "old@example.com"
    assert entry.reason == "manual"
    assert entry.source == ""
    assert entry.created_at is not None
    for table, columns in DJANGO_SES_COLUMNS.items():
        assert _columns(table) >= columns


def test_the_latest_migrations_reverse_back_to_the_django_ses_schema(old_schema):
    executor = MigrationExecutor(connection)
    _migrate(executor.loader.graph.leaf_nodes())
    _migrate(DJANGO_SES_SCHEMA)
    for table, columns in DJANGO_SES_COLUMNS.items():
        assert _columns(table) == columns


@pytest.mark.django_db
def test_models_and_migrations_agree():
    out = io.StringIO()
    # --check exits with status 1 when a migration is missing.
    call_command("makemigrations", "django_ses", "--check", "--dry-run", stdout=out)
    assert "No changes detected" in out.getvalue()


# -- 0008: the ledger's indexes --------------------------------------------------------------

LEDGER = "django_ses_snsnotification"
BEFORE_0008 = [("django_ses", "0007_blacklist_reason_unsubscribed")]


def _indexed_columns(table: str) -> dict[tuple[str, ...], int]:
    """How many indexes (unique ones included, the primary key not) cover each column list."""
    with connection.cursor() as cursor:
        constraints = connection.introspection.get_constraints(cursor, table)
    counts: dict[tuple[str, ...], int] = {}
    for info in constraints.values():
        if (info["index"] or info["unique"]) and not info["primary_key"]:
            key = tuple(info["columns"])
            counts[key] = counts.get(key, 0) + 1
    return counts


@pytest.fixture
def before_0008(transactional_db):
    _migrate(BEFORE_0008)
    yield
    _migrate(MigrationExecutor(connection).loader.graph.leaf_nodes())


def test_the_ledger_keeps_only_the_indexes_its_lookups_need(before_0008):
    indexed_before = _indexed_columns(LEDGER)
    assert {("topic_arn",), ("event_type",), ("status",)} <= set(indexed_before)

    _migrate([("django_ses", "0008_sns_notification_fewer_indexes")])

    indexed = _indexed_columns(LEDGER)
    kept = {("sns_message_id",), ("ses_message_id",), ("processed_at",), ("status",)}
    assert set(indexed) == kept
    assert indexed[("status",)] == 1  # the partial index of rows not processed
    with connection.cursor() as cursor:
        constraints = connection.introspection.get_constraints(cursor, LEDGER)
    assert "django_ses_sns_unprocessed" in constraints


def test_0008_reverses_to_the_indexes_it_dropped(before_0008):
    indexed_before = _indexed_columns(LEDGER)
    _migrate([("django_ses", "0008_sns_notification_fewer_indexes")])
    _migrate(BEFORE_0008)

    assert _indexed_columns(LEDGER) == indexed_before
