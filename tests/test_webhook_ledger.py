"""django_ses.webhook.ledger: each SNS MessageId recorded once, in one indexed write.

A notification costs one ``INSERT … ON CONFLICT (sns_message_id) DO NOTHING``
inside the transaction its receivers run in (alone when nothing listens), with
its outcome already in the row; a redelivery costs the same statement and
nothing else. Under concurrent delivery the
duplicate waits for the first transaction: nothing is processed twice, and a
first attempt that fails leaves the message to the duplicate.
"""

from __future__ import annotations

import json
import logging
import threading
import time
from pathlib import Path
from typing import Any

import pytest
import responses
from django.db import connection, connections
from django.test import Client, RequestFactory
from django.test.utils import CaptureQueriesContext

from django_ses import signals
from django_ses.models import SNSNotification
from django_ses.views import SESEventWebhookView
from django_ses.webhook import ledger
from tests.sns_signing import shared_signer

FIXTURES = Path(__file__).parent / "fixtures" / "ses_events"
TABLE = SNSNotification._meta.db_table


def ses_record(name: str = "delivery") -> dict[str, Any]:
    data: dict[str, Any] = json.loads((FIXTURES / f"{name}.json").read_text())
    return data


def statements(queries: CaptureQueriesContext) -> list[str]:
    """The SQL run, without transaction control (BEGIN, SAVEPOINT, RELEASE)."""
    control = ("BEGIN", "SAVEPOINT", "RELEASE SAVEPOINT", "ROLLBACK", "COMMIT")
    return [q["sql"] for q in queries.captured_queries if not q["sql"].startswith(control)]


def the_one_insert(sql: list[str]) -> None:
    assert len(sql) == 1, sql
    assert sql[0].startswith(f'INSERT INTO "{TABLE}"')
    assert 'ON CONFLICT ("sns_message_id") DO NOTHING' in sql[0]


@pytest.mark.django_db
def test_a_notification_is_one_insert_with_its_outcome_in_it(sns, signals_sent):
    with CaptureQueriesContext(connection) as queries:
        response = sns.notify(ses_record())

    assert response.status_code == 200
    the_one_insert(statements(queries))
    row = SNSNotification.objects.get()
    assert row.status == SNSNotification.Status.PROCESSED
    assert row.event_type == "Delivery"
    assert row.payload == ses_record()
    assert "delivery_received" in signals_sent.names


@pytest.mark.django_db
def test_a_redelivery_is_the_same_insert_and_nothing_else(sns, signals_sent):
    notification = sns.signer.notification(ses_record())
    sns.post(notification)
    signals_sent.calls.clear()

    with CaptureQueriesContext(connection) as queries:
        response = sns.post(notification)

    assert response.status_code == 200
    assert b"already processed" in response.content
    the_one_insert(statements(queries))
    assert signals_sent.names == []
    assert SNSNotification.objects.count() == 1


@pytest.mark.django_db(transaction=True)
def test_with_a_receiver_a_notification_is_the_insert_and_its_commit(sns, signals_sent):
    with CaptureQueriesContext(connection) as queries:
        assert sns.notify(ses_record()).status_code == 200

    sql = [q["sql"] for q in queries.captured_queries]
    assert len(sql) == 3, sql
    assert sql[0] == "BEGIN"
    the_one_insert(sql[1:2])
    assert sql[2] == "COMMIT"
    assert "delivery_received" in signals_sent.names


@pytest.mark.django_db(transaction=True)
def test_with_no_receiver_a_notification_is_the_insert_alone(sns):
    """Nothing listens to Delivery here: no dispatch a crash could cut short, no transaction."""
    notification = sns.signer.notification(ses_record())
    with CaptureQueriesContext(connection) as queries:
        assert sns.post(notification).status_code == 200
    the_one_insert([q["sql"] for q in queries.captured_queries])

    again = sns.post(notification)
    assert b"already processed" in again.content
    assert SNSNotification.objects.get().sns_message_id == notification["MessageId"]


@pytest.mark.django_db
def test_with_no_receiver_and_info_logging_on_the_event_is_still_logged(sns, caplog):
    """Nothing listens: the row alone, and the default hook's INFO line when INFO is on."""
    caplog.set_level(logging.INFO, logger="django_ses.webhook.hooks")
    notification = sns.signer.notification(ses_record())

    assert sns.post(notification).status_code == 200

    logged = [r.getMessage() for r in caplog.records if r.name == "django_ses.webhook.hooks"]
    assert len(logged) == 1
    assert logged[0].startswith("Received SES delivery event for SES message ")
    assert notification["MessageId"] in logged[0]
    assert SNSNotification.objects.get().sns_message_id == notification["MessageId"]


@pytest.mark.django_db
def test_with_no_receiver_and_info_logging_off_the_row_is_written_and_nothing_logged(sns, caplog):
    caplog.set_level(logging.WARNING, logger="django_ses.webhook.hooks")
    notification = sns.signer.notification(ses_record())

    assert sns.post(notification).status_code == 200

    assert [r for r in caplog.records if r.name == "django_ses.webhook.hooks"] == []
    row = SNSNotification.objects.get()
    assert (row.sns_message_id, row.status) == (notification["MessageId"], "processed")
    assert b"already processed" in sns.post(notification).content


class HookInTransaction(SESEventWebhookView):
    """Records, for each run of its overridden hook, whether it ran in a transaction."""

    runs: list[bool] = []

    def handle_delivery(self, notification: Any, message: Any) -> None:
        self.runs.append(connection.in_atomic_block)


class SignalsInTransaction(SESEventWebhookView):
    runs: list[bool] = []

    def fire_event_signals(self, notification: Any, message: Any) -> Any:
        self.runs.append(connection.in_atomic_block)
        return super().fire_event_signals(notification, message)


@pytest.mark.parametrize("view_class", [HookInTransaction, SignalsInTransaction])
@pytest.mark.django_db(transaction=True)
def test_overridden_hooks_run_in_the_transaction_even_with_no_receiver(view_class):
    view_class.runs = []
    notification = shared_signer().notification(ses_record())
    with responses.RequestsMock(assert_all_requests_are_fired=False) as mock:
        shared_signer().serve_certificate(mock)
        request = RequestFactory().post(
            "/ses/event-webhook/", json.dumps(notification), content_type="text/plain"
        )
        response = view_class.as_view()(request)

    assert response.status_code == 200
    assert view_class.runs == [True]


@pytest.mark.django_db(transaction=True)
def test_without_a_transaction_a_failing_run_deletes_the_row_again():
    record = {"sns_message_id": "m-3", "sns_type": "Notification", "topic_arn": "t"}

    def broken(using: str) -> None:
        raise RuntimeError("a receiver connected meanwhile failed")

    with pytest.raises(RuntimeError):
        ledger.record_once(record, broken, in_transaction=False)

    assert not SNSNotification.objects.exists()
    assert ledger.record_once(record, lambda using: None, in_transaction=False) is True
    assert ledger.record_once(record, lambda using: None, in_transaction=False) is False


@pytest.mark.django_db
def test_record_once_runs_nothing_for_a_recorded_message_id():
    record = {"sns_message_id": "m-1", "sns_type": "Notification", "topic_arn": "t"}
    ran: list[str] = []

    assert ledger.record_once(record, ran.append) is True
    assert ledger.record_once(record, ran.append) is False

    assert ran == [ledger.database()]
    row = SNSNotification.objects.get()
    assert (row.status, row.recipients, row.payload, row.error) == ("processed", [], None, "")
    assert row.processed_at is not None


@pytest.mark.django_db
def test_a_failing_handler_rolls_the_row_back():
    record = {"sns_message_id": "m-2", "sns_type": "Notification", "topic_arn": "t"}

    def broken(using: str) -> None:
        raise RuntimeError("handler failed")

    with pytest.raises(RuntimeError):
        ledger.record_once(record, broken)

    assert not SNSNotification.objects.exists()
    assert ledger.record_once(record, lambda using: None) is True


@pytest.mark.django_db
def test_nul_characters_are_removed_before_the_row_is_written(sns):
    raw = ses_record("send")
    raw["mail"]["commonHeaders"]["subject"] = "Hello\x00world"

    assert sns.notify(raw).status_code == 200

    assert SNSNotification.objects.get().payload["mail"]["commonHeaders"]["subject"] == (
        "Helloworld"
    )


# -- committed for real: the rules of the ledger's transaction ----------------------------
#
# The row is inserted first and committed together with the receivers' run,
# never before it ends. So a receiver that raises answers 5xx and leaves
# nothing recorded, and a process that dies mid-dispatch (a worker timeout, a
# kill, a deploy) leaves nothing committed either: SNS's retry is processed.
# An autocommitted insert with a compensating delete would record the message
# before its receivers ran, and a death between the two would answer every
# retry "already processed": the event lost. These tests run on SQLite and,
# in CI, on PostgreSQL.


@pytest.fixture
def delivery_receiver() -> Any:
    """A ``delivery_received`` receiver: ``.calls`` counts runs, ``.fail`` makes it raise."""

    class Receiver:
        def __init__(self) -> None:
            self.fail = False
            self.calls = 0
            self.seen_in_transaction: list[bool] = []
            self.row_in_its_transaction: list[bool] = []

        def __call__(self, sender: Any, **kwargs: Any) -> None:
            self.calls += 1
            self.seen_in_transaction.append(connection.in_atomic_block)
            message_id = json.loads(kwargs["raw_message"])["MessageId"]
            self.row_in_its_transaction.append(
                SNSNotification.objects.filter(sns_message_id=message_id).exists()
            )
            if self.fail:
                raise RuntimeError("the receiver failed")

    receiver = Receiver()
    signals.delivery_received.connect(receiver, weak=False, dispatch_uid="ledger-receiver")
    yield receiver
    signals.delivery_received.disconnect(dispatch_uid="ledger-receiver")


@pytest.mark.django_db
def test_a_delivery_whose_x_metadata_nests_past_the_recursion_limit_is_processed(
    sns, delivery_receiver
):
    """The header is not metadata (``{}``); the event reaches its receiver (it answered 500)."""
    raw = ses_record()
    raw["mail"]["headers"] = [{"name": "X-Metadata", "value": "[" * 100_000}]

    assert sns.notify(raw).status_code == 200

    assert delivery_receiver.calls == 1
    assert SNSNotification.objects.count() == 1


@pytest.mark.django_db(transaction=True)
def test_committed_a_redelivery_is_answered_without_dispatching_again(sns, delivery_receiver):
    notification = sns.signer.notification(ses_record())

    first, again = sns.post(notification), sns.post(notification)

    assert (first.status_code, again.status_code) == (200, 200)
    assert first.content == b"OK\n"
    assert b"already processed" in again.content
    assert delivery_receiver.calls == 1
    assert SNSNotification.objects.filter(sns_message_id=notification["MessageId"]).count() == 1


@pytest.mark.django_db(transaction=True)
def test_committed_a_raising_receiver_answers_500_and_the_retry_is_processed(
    sns, delivery_receiver
):
    notification = sns.signer.notification(ses_record())
    delivery_receiver.fail = True

    assert sns.post(notification).status_code == 500
    assert not SNSNotification.objects.exists()  # nothing committed: SNS retries

    delivery_receiver.fail = False
    retry = sns.post(notification)
    assert (retry.status_code, retry.content) == (200, b"OK\n")
    assert delivery_receiver.calls == 2
    assert SNSNotification.objects.get().sns_message_id == notification["MessageId"]


@pytest.mark.django_db(transaction=True)
def test_receivers_run_inside_the_transaction_that_holds_the_row(sns, delivery_receiver):
    assert sns.notify(ses_record()).status_code == 200

    assert delivery_receiver.seen_in_transaction == [True]
    assert delivery_receiver.row_in_its_transaction == [True]  # inserted first, not committed


# -- concurrency (PostgreSQL) --------------------------------------------------------------


@pytest.mark.postgres
@pytest.mark.django_db(transaction=True)
def test_a_duplicate_waiting_on_a_failed_first_attempt_processes_the_message(require_postgres):
    message = shared_signer().notification(ses_record("bounce"))
    body = json.dumps(message)
    started = threading.Event()
    calls: list[str] = []

    def first_fails(sender: Any, **kwargs: Any) -> None:
        calls.append(threading.current_thread().name)
        if threading.current_thread().name == "first":
            started.set()
            time.sleep(0.5)  # the duplicate's insert now waits on this transaction
            raise RuntimeError("the first attempt fails")

    statuses: dict[str, int] = {}

    def deliver(name: str) -> None:
        try:
            response = Client().post("/ses/event-webhook/", body, content_type="text/plain")
            statuses[name] = response.status_code
        finally:
            connection.close()

    signals.bounce_received.connect(first_fails, weak=False, dispatch_uid="first-fails")
    try:
        with responses.RequestsMock(assert_all_requests_are_fired=False) as mock:
            shared_signer().serve_certificate(mock)
            first = threading.Thread(target=deliver, args=("first",), name="first")
            first.start()
            assert started.wait(10)
            second = threading.Thread(target=deliver, args=("second",), name="second")
            second.start()
            first.join(20)
            second.join(20)
    finally:
        signals.bounce_received.disconnect(dispatch_uid="first-fails")
    assert statuses == {"first": 500, "second": 200}
    assert calls == ["first", "second"]
    assert SNSNotification.objects.filter(sns_message_id=message["MessageId"]).count() == 1


@pytest.mark.postgres
@pytest.mark.django_db(transaction=True)
def test_many_concurrent_deliveries_of_one_message_are_processed_once(require_postgres):
    message = shared_signer().notification(ses_record("delivery"))
    body = json.dumps(message)
    calls: list[str] = []
    gate = threading.Barrier(6)

    def receiver(sender: Any, **kwargs: Any) -> None:
        calls.append(threading.current_thread().name)
        time.sleep(0.2)

    statuses: list[int] = []

    def deliver() -> None:
        try:
            gate.wait(10)
            statuses.append(
                Client().post("/ses/event-webhook/", body, content_type="text/plain").status_code
            )
        finally:
            connection.close()

    signals.delivery_received.connect(receiver, weak=False, dispatch_uid="slow-delivery")
    try:
        with responses.RequestsMock(assert_all_requests_are_fired=False) as mock:
            shared_signer().serve_certificate(mock)
            threads = [threading.Thread(target=deliver, name=f"t{i}") for i in range(6)]
            for thread in threads:
                thread.start()
            for thread in threads:
                thread.join(30)
    finally:
        signals.delivery_received.disconnect(dispatch_uid="slow-delivery")
    assert statuses == [200] * 6
    assert len(calls) == 1
    assert SNSNotification.objects.filter(sns_message_id=message["MessageId"]).count() == 1


def on_another_connection(sql: str, params: list[Any]) -> Any:
    """The first value ``sql`` answers on a connection of its own (not the request's)."""
    other = connections.create_connection("default")
    try:
        with other.cursor() as cursor:
            cursor.execute(sql, params)
            return cursor.fetchone()[0]
    finally:
        other.close()


@pytest.mark.postgres
@pytest.mark.django_db(transaction=True)
def test_nothing_is_committed_before_the_receivers_finish(require_postgres, sns):
    notification = sns.signer.notification(ses_record())
    seen_by_others: list[int] = []

    def receiver(sender: Any, **kwargs: Any) -> None:
        seen_by_others.append(
            on_another_connection(
                f'SELECT count(*) FROM "{TABLE}" WHERE sns_message_id = %s',
                [notification["MessageId"]],
            )
        )

    signals.delivery_received.connect(receiver, weak=False, dispatch_uid="other-connection")
    try:
        assert sns.post(notification).status_code == 200
    finally:
        signals.delivery_received.disconnect(dispatch_uid="other-connection")
    assert seen_by_others == [0]
    assert SNSNotification.objects.filter(sns_message_id=notification["MessageId"]).count() == 1


@pytest.mark.postgres
@pytest.mark.django_db(transaction=True)
def test_a_connection_lost_before_the_commit_leaves_the_message_to_the_retry(require_postgres, sns):
    """The database sees what a dying process leaves: a transaction that never commits."""
    notification = sns.signer.notification(ses_record())
    runs: list[str] = []

    def receiver(sender: Any, **kwargs: Any) -> None:
        runs.append("run")
        if len(runs) > 1:
            return
        with connection.cursor() as cursor:
            cursor.execute("SELECT pg_backend_pid()")
            pid = cursor.fetchone()[0]
        on_another_connection("SELECT pg_terminate_backend(%s)", [pid])

    signals.delivery_received.connect(receiver, weak=False, dispatch_uid="lost-connection")
    try:
        lost = sns.post(notification)
        connection.close()  # the next request connects again, as a new worker would
        retry = sns.post(notification)
    finally:
        signals.delivery_received.disconnect(dispatch_uid="lost-connection")
    assert lost.status_code == 503
    assert retry.status_code == 200
    assert retry.content == b"OK\n"
    assert runs == ["run", "run"]
    assert SNSNotification.objects.filter(sns_message_id=notification["MessageId"]).count() == 1
