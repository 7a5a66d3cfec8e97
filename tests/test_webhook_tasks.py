"""SES events processed in a task: ``AWS_SES_EVENT_PROCESSING = "tasks"``.

The webhook verifies and records the notification, enqueues
``django_ses.tasks.process_ses_event`` once the row is committed, and answers
200; the task fires the same signals as inline processing. Tasks run on the
Tasks framework's ImmediateBackend (at once, after the commit) or its
DummyBackend (only recorded: the test then runs the task as a worker would).
The tests use real transactions, so ``transaction.on_commit`` runs as in
production.
"""

from __future__ import annotations

import datetime as dt
import io
import json
import sys
from collections.abc import Iterator
from typing import Any

import pytest
from django.core.management import call_command
from django.db import connection
from django.db.migrations.executor import MigrationExecutor
from django.urls import path, reverse
from django.utils import timezone
from django.utils.module_loading import import_string

from django_ses import signals
from django_ses.checks.webhook import check_webhook_settings
from django_ses.models import BlacklistedEmail, SNSNotification
from django_ses.tasks_compat import tasks_module
from django_ses.views import SESEventWebhookView
from tests.inbound_notifications import sns_received
from tests.test_webhook_events import record

pytestmark = pytest.mark.django_db(transaction=True)

FRAMEWORK = tasks_module()
IMMEDIATE = f"{FRAMEWORK.__name__}.backends.immediate.ImmediateBackend"
DUMMY = f"{FRAMEWORK.__name__}.backends.dummy.DummyBackend"
BROKEN = f"{__name__}.BrokerDownBackend"


class BrokerDownBackend(import_string(DUMMY)):  # type: ignore[misc]
    """A task backend whose broker cannot be reached."""

    def enqueue(self, task: Any, args: Any, kwargs: Any) -> Any:
        raise ConnectionError("the task broker is down")


@pytest.fixture
def tasks_mode(settings):
    settings.AWS_SES_EVENT_PROCESSING = "tasks"


@pytest.fixture
def immediate_tasks(settings, tasks_mode):
    settings.TASKS = {"default": {"BACKEND": IMMEDIATE}}
    return FRAMEWORK.task_backends["default"]


@pytest.fixture
def dummy_tasks(settings, tasks_mode):
    settings.TASKS = {"default": {"BACKEND": DUMMY}}
    backend = FRAMEWORK.task_backends["default"]
    backend.clear()
    yield backend
    backend.clear()


@pytest.fixture
def failing_bounce_receiver() -> Iterator[list[int]]:
    """A bounce receiver that raises while the list holds a 1."""
    switch = [1]

    def receiver(sender: Any, **kwargs: Any) -> None:
        if switch:
            raise RuntimeError("receiver is broken")

    signals.bounce_received.connect(receiver, weak=False, dispatch_uid="failing-task-receiver")
    yield switch
    signals.bounce_received.disconnect(dispatch_uid="failing-task-receiver")


def run_as_worker(result: Any) -> Any:
    """Run an enqueued task the way a worker does: find the task by its path, call it."""
    task = import_string(result.task.module_path)
    return task.call(*result.args, **result.kwargs)


def run_process_again(admin_client: Any, rows: list[SNSNotification]) -> Any:
    return admin_client.post(
        reverse("admin:django_ses_snsnotification_changelist"),
        {"action": "process_again", "_selected_action": [str(row.pk) for row in rows]},
        follow=True,
    )


def admin_messages(response: Any) -> list[str]:
    return [str(message) for message in response.context["messages"]]


# -- the same signals as inline ----------------------------------------------------------------


@pytest.mark.parametrize("name", ["bounce", "complaint", "delivery", "open", "delivery_delay"])
def test_the_task_fires_the_signals_inline_processing_fires(sns, signals_sent, settings, name):
    message = sns.signer.notification(record(name))
    assert sns.post(message).status_code == 200
    inline_calls = list(signals_sent.calls)
    SNSNotification.objects.all().delete()
    signals_sent.calls.clear()

    settings.AWS_SES_EVENT_PROCESSING = "tasks"
    settings.TASKS = {"default": {"BACKEND": IMMEDIATE}}
    assert sns.post(message).status_code == 200

    assert len(inline_calls) == 2
    assert signals_sent.calls == inline_calls


def test_the_task_sends_the_request_body_and_the_view_as_sender(sns, signals_sent, immediate_tasks):
    raw = record("bounce")
    message = sns.signer.notification(raw)
    assert sns.post(message).status_code == 200
    assert signals_sent.names == ["bounce_received", "event_received"]
    sent = signals_sent.kwargs("bounce_received")
    assert sent["sender"] is SESEventWebhookView
    assert sent["raw_message"] == json.dumps(message).encode()
    assert sent["bounce_obj"] == raw["bounce"]
    assert signals_sent.kwargs("event_received")["event"].sns_message_id == message["MessageId"]


def test_a_processed_event_is_recorded_processed(sns, immediate_tasks):
    message = sns.signer.notification(record("bounce"))
    assert sns.post(message).status_code == 200
    row = SNSNotification.objects.get()
    assert row.status == SNSNotification.Status.PROCESSED
    assert row.error == ""
    assert row.raw_message == ""
    assert row.payload == record("bounce")


def test_the_task_adds_permanent_bounces_to_the_blacklist(sns, settings, immediate_tasks):
    settings.AWS_SES_ADD_BOUNCE_TO_BLACKLIST = True
    assert sns.notify(record("bounce")).status_code == 200
    assert BlacklistedEmail.objects.get().email == "recipient@example.com"


class AuditedWebhookView(SESEventWebhookView):
    """A project's webhook subclass: its own signal sender and bounce handling."""

    handled: list[str] = []

    def get_signal_sender(self) -> Any:
        return AuditedWebhookView

    def handle_bounce(self, notification: Any, message: dict[str, Any]) -> None:
        AuditedWebhookView.handled.append(notification["MessageId"])
        super().handle_bounce(notification, message)


# This module doubles as a URLconf that routes the webhook to the subclass.
urlpatterns = [path("ses/event-webhook/", AuditedWebhookView.as_view())]


def test_the_task_runs_the_handlers_of_the_webhook_subclass(
    sns, signals_sent, settings, dummy_tasks
):
    settings.ROOT_URLCONF = __name__
    AuditedWebhookView.handled.clear()
    message = sns.signer.notification(record("bounce"))
    assert sns.post(message).status_code == 200
    assert AuditedWebhookView.handled == []
    run_as_worker(dummy_tasks.results[0])
    assert AuditedWebhookView.handled == [message["MessageId"]]
    assert signals_sent.kwargs("bounce_received")["sender"] is AuditedWebhookView


# -- answering before processing ---------------------------------------------------------------


def test_the_webhook_answers_before_the_event_is_processed(sns, signals_sent, dummy_tasks):
    message = sns.signer.notification(record("bounce"))
    response = sns.post(message)
    assert response.status_code == 200
    assert signals_sent.calls == []
    row = SNSNotification.objects.get()
    assert row.status == SNSNotification.Status.QUEUED
    assert row.raw_message == json.dumps(message)
    (result,) = dummy_tasks.results
    assert result.task.module_path == "django_ses.tasks.process_ses_event"
    assert result.kwargs["notification"] == message
    json.dumps([result.args, result.kwargs])  # what a real backend stores


def test_running_the_queued_task_fires_the_signals_and_marks_it_processed(
    sns, signals_sent, dummy_tasks
):
    message = sns.signer.notification(record("complaint"))
    sns.post(message)
    (result,) = dummy_tasks.results
    outcome = run_as_worker(result)
    assert outcome == {"sns_message_id": message["MessageId"], "status": "processed"}
    assert signals_sent.names == ["complaint_received", "event_received"]
    assert SNSNotification.objects.get().status == SNSNotification.Status.PROCESSED


# -- once per MessageId ------------------------------------------------------------------------


def test_a_redelivered_notification_is_not_queued_twice(sns, dummy_tasks):
    message = sns.signer.notification(record("bounce"))
    assert sns.post(message).status_code == 200
    second = sns.post(message)
    assert second.status_code == 200
    assert second.content == b"OK: already processed\n"
    assert len(dummy_tasks.results) == 1
    assert SNSNotification.objects.count() == 1


def test_a_task_run_twice_fires_the_signals_once(sns, signals_sent, dummy_tasks):
    sns.notify(record("bounce"))
    (result,) = dummy_tasks.results
    run_as_worker(result)
    assert run_as_worker(result)["status"] == "already processed"
    assert signals_sent.names == ["bounce_received", "event_received"]


# -- failures ----------------------------------------------------------------------------------


def test_a_raising_receiver_marks_the_event_failed_with_the_error(
    sns, signals_sent, dummy_tasks, failing_bounce_receiver
):
    assert sns.notify(record("bounce")).status_code == 200
    (result,) = dummy_tasks.results
    with pytest.raises(RuntimeError, match="receiver is broken"):
        run_as_worker(result)
    row = SNSNotification.objects.get()
    assert row.status == SNSNotification.Status.FAILED
    assert "RuntimeError: receiver is broken" in row.error
    assert "event_received" not in signals_sent.names


def test_a_failed_run_leaves_no_database_writes_behind(
    sns, settings, dummy_tasks, failing_bounce_receiver
):
    settings.AWS_SES_ADD_BOUNCE_TO_BLACKLIST = True
    sns.notify(record("bounce"))
    with pytest.raises(RuntimeError):
        run_as_worker(dummy_tasks.results[0])
    assert not BlacklistedEmail.objects.exists()


def test_the_immediate_backend_records_a_raising_receiver_and_the_webhook_answers_200(
    sns, immediate_tasks, failing_bounce_receiver
):
    assert sns.notify(record("bounce")).status_code == 200
    assert SNSNotification.objects.get().status == SNSNotification.Status.FAILED


def test_a_task_that_cannot_be_enqueued_leaves_the_event_failed(sns, settings, tasks_mode):
    settings.TASKS = {"default": {"BACKEND": BROKEN}}
    assert sns.notify(record("bounce")).status_code == 200
    row = SNSNotification.objects.get()
    assert row.status == SNSNotification.Status.FAILED
    assert "the task broker is down" in row.error


# -- the admin's "Process again" ---------------------------------------------------------------


def test_process_again_requeues_a_failed_event_which_then_succeeds(
    sns, signals_sent, admin_client, immediate_tasks, failing_bounce_receiver
):
    message = sns.signer.notification(record("bounce"))
    sns.post(message)
    row = SNSNotification.objects.get()
    assert row.status == SNSNotification.Status.FAILED
    failing_bounce_receiver.clear()

    response = run_process_again(admin_client, [row])

    assert admin_messages(response) == ["Queued 1 event(s) again."]
    row.refresh_from_db()
    assert row.status == SNSNotification.Status.PROCESSED
    assert row.error == ""
    assert signals_sent.names.count("event_received") == 1
    (last_name, last_call) = signals_sent.calls[-2]
    assert last_name == "bounce_received"
    assert last_call["raw_message"] == json.dumps(message).encode()


def test_process_again_enqueues_the_original_message(sns, admin_client, settings, tasks_mode):
    settings.TASKS = {"default": {"BACKEND": BROKEN}}
    message = sns.signer.notification(record("delivery"))
    sns.post(message)
    settings.TASKS = {"default": {"BACKEND": DUMMY}}
    backend = FRAMEWORK.task_backends["default"]
    backend.clear()

    run_process_again(admin_client, list(SNSNotification.objects.all()))

    (result,) = backend.results
    assert result.kwargs["notification"] == message
    assert result.kwargs["raw_message"] == json.dumps(message)
    assert SNSNotification.objects.get().status == SNSNotification.Status.QUEUED
    backend.clear()


def test_process_again_skips_processed_events(sns, admin_client, dummy_tasks, settings):
    settings.AWS_SES_EVENT_PROCESSING = "inline"
    sns.notify(record("bounce"))
    response = run_process_again(admin_client, list(SNSNotification.objects.all()))
    assert "Skipped 1 event(s)" in admin_messages(response)[0]
    assert dummy_tasks.results == []


def test_pruning_keeps_events_that_were_not_processed(sns, dummy_tasks):
    sns.notify(record("bounce"))
    SNSNotification.objects.update(processed_at=timezone.now() - dt.timedelta(days=400))
    call_command("prune_sns_notifications", "--days", "30", stdout=io.StringIO())
    assert SNSNotification.objects.get().status == SNSNotification.Status.QUEUED


# -- what stays inline -------------------------------------------------------------------------


def test_inbound_mail_is_still_processed_in_the_request(sns, signals_sent, dummy_tasks):
    assert sns.notify(sns_received()).status_code == 200
    assert signals_sent.names == ["inbound_received"]
    assert dummy_tasks.results == []
    assert SNSNotification.objects.get().status == SNSNotification.Status.PROCESSED


def test_an_unknown_event_type_is_acknowledged_in_the_request(sns, dummy_tasks):
    assert sns.notify({"eventType": "Teleport", "mail": {"messageId": "m"}}).status_code == 200
    assert dummy_tasks.results == []
    assert SNSNotification.objects.get().status == SNSNotification.Status.PROCESSED


def test_inline_mode_is_the_default_and_enqueues_nothing(sns, signals_sent, settings):
    settings.TASKS = {"default": {"BACKEND": DUMMY}}
    backend = FRAMEWORK.task_backends["default"]
    backend.clear()
    assert sns.notify(record("bounce")).status_code == 200
    assert signals_sent.names == ["bounce_received", "event_received"]
    assert backend.results == []


# -- the migration -----------------------------------------------------------------------------


def test_rows_from_before_the_migration_read_as_processed():
    executor = MigrationExecutor(connection)
    executor.migrate([("django_ses", "0003_blacklist_reason_events_inbound")])
    old = executor.loader.project_state(
        [("django_ses", "0003_blacklist_reason_events_inbound")]
    ).apps
    old.get_model("django_ses", "SNSNotification").objects.create(
        sns_message_id="before", sns_type="Notification"
    )
    executor = MigrationExecutor(connection)
    executor.loader.build_graph()
    executor.migrate(executor.loader.graph.leaf_nodes())
    row = SNSNotification.objects.get(sns_message_id="before")
    assert row.status == SNSNotification.Status.PROCESSED
    assert row.error == ""


# -- system checks -----------------------------------------------------------------------------


def check_ids() -> list[str]:
    return [message.id or "" for message in check_webhook_settings()]


EVENT_CHECKS = {"django_ses.E036", "django_ses.E037", "django_ses.E038", "django_ses.E039"}


def test_a_configured_tasks_mode_passes_the_checks(immediate_tasks):
    assert EVENT_CHECKS.isdisjoint(check_ids())


def test_an_unknown_processing_mode_is_an_error(settings):
    settings.AWS_SES_EVENT_PROCESSING = "celery"
    assert "django_ses.E036" in check_ids()


def test_tasks_mode_without_a_tasks_framework_is_an_error(monkeypatch, tasks_mode):
    for name in ("django.tasks", "django_tasks", "django_tasks.signals"):
        monkeypatch.setitem(sys.modules, name, None)
    (error,) = [m for m in check_webhook_settings() if m.id == "django_ses.E037"]
    assert "django-ses[tasks]" in (error.hint or "")


def test_tasks_mode_with_a_task_backend_missing_from_tasks_is_an_error(settings, immediate_tasks):
    settings.AWS_SES_TASK_BACKEND = "events"
    (error,) = [m for m in check_webhook_settings() if m.id == "django_ses.E038"]
    assert "'events'" in error.msg


def test_tasks_mode_on_a_queue_the_backend_does_not_serve_is_an_error(settings, tasks_mode):
    settings.TASKS = {"default": {"BACKEND": IMMEDIATE, "QUEUES": ["mail"]}}
    settings.AWS_SES_TASK_QUEUE_NAME = "events"
    assert "django_ses.E039" in check_ids()


def test_inline_mode_needs_no_tasks_framework(monkeypatch):
    for name in ("django.tasks", "django_tasks", "django_tasks.signals"):
        monkeypatch.setitem(sys.modules, name, None)
    assert EVENT_CHECKS.isdisjoint(check_ids())
