"""The send log at scale, on PostgreSQL: the webhook's update stays an indexed lookup.

With 1,000,000 event rows (and 250,000 messages and recipients), generated with
``generate_series``, ``EXPLAIN`` of the statements an event costs shows index
scans and no sequential scan. Runs when ``DATABASE_URL`` names a PostgreSQL
database (``TEST_DATABASE_NAME=test_sendlog`` keeps it apart); skips otherwise.
"""

from __future__ import annotations

import json
from typing import Any

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext

from django_ses.events import normalize_event
from django_ses.models import SentMessage, SentMessageEvent, SentRecipient
from django_ses.send_log.receiver import record_event
from tests.send_log_events import ses_event

MESSAGES = 250_000
EVENTS_PER_MESSAGE = 4


def _table(model: Any) -> str:
    return str(connection.ops.quote_name(model._meta.db_table))


@pytest.fixture
def million_events(require_postgres) -> None:
    with connection.cursor() as cursor:
        cursor.execute(
            f"INSERT INTO {_table(SentMessage)} (message_id, from_email, recipients, subject,"
            " tags, configuration_set, template, queued, sent_at)"
            " SELECT 'msg-' || n, 'sender@example.com', '[]', 'Hello', '{}', '', '', false, now()"
            " FROM generate_series(1, %s) AS n",
            [MESSAGES],
        )
        cursor.execute(
            f"INSERT INTO {_table(SentRecipient)} (message_id, recipient, state, rank, detail,"
            " last_event_type, last_event_at)"
            " SELECT 'msg-' || n, 'user' || (n %% 1000) || '@example.org', 'delivered', 30, '',"
            " 'delivery', now() FROM generate_series(1, %s) AS n",
            [MESSAGES],
        )
        cursor.execute(
            f"INSERT INTO {_table(SentMessageEvent)} (message_id, event_type, recipients, state,"
            " detail, timestamp, received_at, sns_message_id, raw)"
            " SELECT 'msg-' || (1 + n %% %s), 'delivery', '[]', 'delivered', '', now(), now(),"
            " '', NULL FROM generate_series(1, %s) AS n",
            [MESSAGES, MESSAGES * EVENTS_PER_MESSAGE],
        )
        for model in (SentMessage, SentRecipient, SentMessageEvent):
            cursor.execute(f"ANALYZE {_table(model)}")


def _plan(sql: str) -> list[dict[str, Any]]:
    with connection.cursor() as cursor:
        cursor.execute(f"EXPLAIN (FORMAT JSON) {sql}")
        (plan,) = cursor.fetchone()
    data = plan if isinstance(plan, list) else json.loads(plan)
    nodes: list[dict[str, Any]] = []
    stack = [data[0]["Plan"]]
    while stack:
        node = stack.pop()
        nodes.append(node)
        stack.extend(node.get("Plans", []))
    return nodes


def test_with_a_million_events_an_event_costs_an_index_lookup_and_one_insert(
    million_events,
):
    assert SentMessageEvent.objects.count() == MESSAGES * EVENTS_PER_MESSAGE
    event = normalize_event(ses_event("bounce", "msg-123456", ["user456@example.org"]))

    with CaptureQueriesContext(connection) as queries:
        assert record_event(event) is True

    update, insert = (q["sql"] for q in queries.captured_queries)
    assert update.startswith("UPDATE") and insert.startswith("INSERT")
    update_plan = _plan(update)
    assert not [n for n in update_plan if n["Node Type"] == "Seq Scan"]
    (scan,) = [n for n in update_plan if "Index" in n["Node Type"]]
    assert scan["Index Name"] == "django_ses_sentrecipient_unique"
    # An event for a message that is not in the log: the same lookup, and nothing else.
    unknown = normalize_event(ses_event("delivery", "not-ours", ["someone@example.org"]))
    with CaptureQueriesContext(connection) as ignored:
        assert record_event(unknown) is False
    (lookup,) = (q["sql"] for q in ignored.captured_queries)
    assert not [n for n in _plan(lookup) if n["Node Type"] == "Seq Scan"]
    # The admin's timeline of one message.
    sql, params = SentMessageEvent.objects.filter(message_id="msg-42").query.sql_with_params()
    with connection.cursor() as cursor:
        rendered = cursor.mogrify(sql, params)
    nodes = _plan(rendered.decode() if isinstance(rendered, bytes) else rendered)
    assert not [n for n in nodes if n["Node Type"] == "Seq Scan"]
    assert any(n.get("Index Name") == "django_ses_sentevt_msg_ts_idx" for n in nodes)
    assert not [n for n in _plan(insert) if "Scan" in n["Node Type"]]
    assert SentRecipient.objects.get(message_id="msg-123456").state == "bounced"
