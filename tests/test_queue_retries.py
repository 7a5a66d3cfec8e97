"""Queued sending finishes by itself (issue 9, item 9): the task retries transient failures.

The retry policy (``django_ses.sending.retry``) as plain functions, then the
``send_queued_email`` task on three task backends: the framework's
DummyBackend (deferred tasks are recorded; the test runs them as a worker
would), its ImmediateBackend (no deferred tasks: a transient failure fails the
task, as before), and django-tasks-db's DatabaseBackend with its ``db_worker``
command, on PostgreSQL. Faults come from the local SES (tests/aws.py).
"""

from __future__ import annotations

import signal
import time

import pytest
from botocore.config import Config
from django.core.mail import EmailMessage
from django.core.management import call_command
from django.utils import timezone
from django.utils.module_loading import import_string

from django_ses import QueuedSESBackend, SESBackend, signals
from django_ses.exceptions import (
    DailyQuotaExceededError,
    MessageRejectedError,
    SESConnectFailedError,
    SESNoAnswerError,
    SESServerError,
    ThrottledError,
)
from django_ses.models import QueuedDelivery
from django_ses.sending.progress import QuotaPause
from django_ses.sending.retry import (
    MAX_RETRY_DELAY,
    THROTTLE_FLOOR,
    backoff,
    is_retryable,
    plan_retry,
)
from django_ses.tasks_compat import tasks_module

FRAMEWORK = tasks_module()
IMMEDIATE = f"{FRAMEWORK.__name__}.backends.immediate.ImmediateBackend"
DUMMY = f"{FRAMEWORK.__name__}.backends.dummy.DummyBackend"


def api_error(kind, code="Throttling", text="Maximum sending rate exceeded.", status=400):
    response = {"Error": {"Code": code, "Message": text}, "ResponseMetadata": {}}
    response["ResponseMetadata"]["HTTPStatusCode"] = status
    return kind(response, "SendRawEmail")


def message(subject: str = "Hello") -> EmailMessage:
    return EmailMessage(subject, "Body", "sender@example.com", ["to@example.net"])


def run_as_worker(result):
    task = import_string(result.task.module_path)
    return task.call(*result.args, **result.kwargs)


@pytest.fixture
def dummy_tasks(settings):
    settings.TASKS = {"default": {"BACKEND": DUMMY}}
    backend = FRAMEWORK.task_backends["default"]
    backend.clear()
    return backend


@pytest.fixture(autouse=True)
def _no_quota_mark():
    """The daily-quota mark lives in the (maybe shared) cache: it never leaks out of a test."""
    yield
    QuotaPause(SESBackend().throttle_key).clear()


@pytest.fixture
def failures():
    """Records every message_failed signal: a list of its keyword arguments."""
    sent = []

    def receiver(sender, **kwargs):
        sent.append({"sender": sender, **kwargs})

    signals.message_failed.connect(receiver)
    yield sent
    signals.message_failed.disconnect(receiver)


# ------------------------------------------------------------ the policy (pure)


def fixed(value: float):
    return lambda: value


def test_the_backoff_doubles_with_jitter_in_its_upper_half_and_is_capped():
    assert backoff(1, 30, fixed(0.0)) == 15
    assert backoff(1, 30, fixed(1.0)) == 30
    assert backoff(3, 30, fixed(1.0)) == 120
    assert backoff(30, 30, fixed(1.0)) == MAX_RETRY_DELAY


@pytest.mark.parametrize(
    "error",
    [
        api_error(ThrottledError),
        api_error(SESServerError, "InternalFailure", "", 500),
        SESConnectFailedError("refused"),
    ],
)
def test_transient_failures_are_retried_until_the_last_attempt(error):
    def plan(attempt):
        return plan_retry(
            error,
            attempt=attempt,
            max_attempts=3,
            base_delay=10,
            quota_delay=3600,
            can_defer=True,
            rand=fixed(0.5),
        )

    assert plan(1).retry_in is not None
    assert plan(2).retry_in is not None
    assert plan(3).retry_in is None
    assert "3 attempt(s)" in plan(3).reason


def test_a_throttling_answer_waits_at_least_the_rate_window():
    plan = plan_retry(
        api_error(ThrottledError),
        attempt=1,
        max_attempts=5,
        base_delay=0.01,
        quota_delay=3600,
        can_defer=True,
        rand=fixed(0.0),
    )

    assert plan.retry_in == THROTTLE_FLOOR


def test_the_daily_quota_waits_the_quota_delay_plus_jitter():
    error = api_error(DailyQuotaExceededError, text="Daily message quota exceeded.")

    plan = plan_retry(
        error,
        attempt=1,
        max_attempts=5,
        base_delay=30,
        quota_delay=3600,
        can_defer=True,
        rand=fixed(1.0),
    )

    assert plan.retry_in == 3600 + 1800


@pytest.mark.parametrize(
    "error",
    [
        SESNoAnswerError("read timeout"),
        api_error(MessageRejectedError, "MessageRejected", "Email address is not verified."),
    ],
)
def test_an_outcome_ses_may_have_accepted_or_a_rejection_is_never_retried(error):
    plan = plan_retry(error, attempt=1, max_attempts=5, base_delay=1, quota_delay=1, can_defer=True)

    assert plan.retry_in is None
    assert not is_retryable(error)


def test_nothing_is_retried_without_deferred_tasks():
    plan = plan_retry(
        api_error(ThrottledError),
        attempt=1,
        max_attempts=5,
        base_delay=1,
        quota_delay=1,
        can_defer=False,
    )

    assert plan.retry_in is None
    assert "supports_defer" in plan.reason


# ------------------------------------------------------------ DummyBackend (deferred tasks)


def test_a_server_error_queues_the_next_attempt_with_a_delay(
    aws, ses_identity, dummy_tasks, db, settings
):
    settings.AWS_SES_QUEUE_RETRY_DELAY = 60
    aws.fail("ses", "SendRawEmail", "InternalFailure", "Try again.", status=500)
    QueuedSESBackend().send_messages([message()])
    before = timezone.now()

    outcome = run_as_worker(dummy_tasks.results[0])

    (_, again) = dummy_tasks.results
    assert outcome["status"] == "retrying"
    assert 30 <= outcome["retry_in"] <= 60
    assert again.args[0]["attempt"] == 2
    assert again.args[0]["delivery_id"] == outcome["delivery_id"]
    assert again.task.run_after >= before + timezone.timedelta(seconds=30)
    row = QueuedDelivery.objects.get(delivery_id=outcome["delivery_id"])
    assert row.status == "retrying"
    assert row.attempts == 1
    assert row.error_code == "InternalFailure"
    assert row.next_attempt_at is not None
    assert not aws.sent_messages()


def test_after_the_last_attempt_the_message_is_failed_with_its_reason_and_signalled(
    aws, ses_identity, dummy_tasks, db, settings, failures
):
    settings.AWS_SES_QUEUE_MAX_ATTEMPTS = 3
    aws.fail("ses", "SendRawEmail", "InternalFailure", "Try again.", status=500)
    QueuedSESBackend().send_messages([message("Doomed")])

    first = run_as_worker(dummy_tasks.results[0])
    second = run_as_worker(dummy_tasks.results[1])
    with pytest.raises(SESServerError):
        run_as_worker(dummy_tasks.results[2])

    assert [first["status"], second["status"]] == ["retrying", "retrying"]
    assert len(dummy_tasks.results) == 3  # nothing queued after the last attempt
    row = QueuedDelivery.objects.get()
    assert row.status == "failed"
    assert row.attempts == 3
    assert "SESServerError" in row.error and "Try again." in row.error
    (failure,) = failures
    assert failure["sender"] is QueuedSESBackend
    assert failure["attempts"] == 3
    assert failure["delivery_id"] == row.delivery_id
    assert isinstance(failure["error"], SESServerError)
    assert failure["message"].subject == "Doomed"
    assert failure["message"].ses_status.status == "failed"


def test_a_retried_message_that_gets_through_is_sent_once(
    aws, ses_identity, dummy_tasks, db, settings
):
    settings.AWS_SES_CONFIG = Config(retries={"total_max_attempts": 1})
    aws.reset_connection("ses", "SendRawEmail", times=1)
    QueuedSESBackend().send_messages([message()])

    first = run_as_worker(dummy_tasks.results[0])
    second = run_as_worker(dummy_tasks.results[1])

    (received,) = aws.sent_messages()
    assert first["status"] == "retrying"
    assert first["error"].startswith("Could not reach SES")
    assert second["status"] == "sent"
    assert second["message_ids"] == [received.id]
    row = QueuedDelivery.objects.get()
    assert (row.status, row.attempts, row.message_ids, row.error) == (
        "sent",
        2,
        [received.id],
        "",
    )


def test_a_message_ses_may_have_accepted_is_unknown_and_never_queued_or_sent_again(
    aws, ses_identity, dummy_tasks, db, settings, failures
):
    settings.AWS_SES_CONFIG = Config(read_timeout=0.5)
    aws.slow("ses", "SendRawEmail", seconds=1.5, times=1)
    QueuedSESBackend().send_messages([message()])

    outcome = run_as_worker(dummy_tasks.results[0])
    run_again = run_as_worker(dummy_tasks.results[0])  # a queue that delivers it twice

    assert outcome["status"] == "unknown"
    assert run_again["status"] == "unknown"
    assert len(dummy_tasks.results) == 1
    assert len(aws.calls("ses", "SendRawEmail")) == 1
    assert len(aws.sent_messages()) == 1  # SES accepted it: one copy
    assert QueuedDelivery.objects.get().status == "unknown"
    assert failures == []


def test_the_daily_quota_defers_every_message_with_one_call_to_ses(
    aws, ses_identity, dummy_tasks, db, settings
):
    settings.AWS_SES_QUEUE_QUOTA_DELAY = 3600
    aws.fail("ses", "SendRawEmail", "Throttling", "Daily message quota exceeded.")
    QueuedSESBackend().send_messages([message("one"), message("two"), message("three")])

    outcomes = [run_as_worker(result) for result in list(dummy_tasks.results)]

    assert len(aws.calls("ses", "SendRawEmail")) == 1
    assert [o["status"] for o in outcomes] == ["retrying"] * 3
    assert all(o["retry_in"] >= 3600 for o in outcomes)
    assert all(o["error_code"] == "Throttling" for o in outcomes)
    assert [r.args[0]["attempt"] for r in dummy_tasks.results[3:]] == [2, 2, 2]


def test_a_rejected_message_is_failed_signalled_and_not_queued_again(
    aws, ses_identity, dummy_tasks, db, failures
):
    aws.fail("ses", "SendRawEmail", "MessageRejected", "Email address is not verified.")
    QueuedSESBackend().send_messages([message()])

    outcome = run_as_worker(dummy_tasks.results[0])

    assert outcome["status"] == "failed"
    assert len(dummy_tasks.results) == 1
    assert QueuedDelivery.objects.get().error_code == "MessageRejected"
    assert isinstance(failures[0]["error"], MessageRejectedError)


# ------------------------------------------------------------ ImmediateBackend (no deferred tasks)


def test_without_deferred_tasks_a_transient_failure_fails_the_task_at_once(
    aws, ses_identity, db, settings, failures
):
    settings.TASKS = {"default": {"BACKEND": IMMEDIATE}}
    aws.fail("ses", "SendRawEmail", "Throttling", "Maximum sending rate exceeded.")
    msg = message()

    QueuedSESBackend().send_messages([msg])

    result = msg.ses_task_result
    assert result.status == FRAMEWORK.TaskResultStatus.FAILED
    assert result.errors[0].exception_class_path == "django_ses.exceptions.ThrottledError"
    assert len(aws.calls("ses", "SendRawEmail")) == 3  # botocore's attempts, no more
    assert QueuedDelivery.objects.get().status == "failed"
    assert len(failures) == 1


# ------------------------------------------------------------ django-tasks-db, a real worker


@pytest.fixture
def database_tasks(settings, require_postgres, transactional_db):
    settings.TASKS = {"default": {"BACKEND": "django_tasks_db.DatabaseBackend"}}
    return FRAMEWORK.task_backends["default"]


def run_worker_until_idle(timeout: float = 60) -> int:
    """Run ``manage.py db_worker --batch`` until no task is left, deferred ones included.

    Returns the number of worker runs.
    """
    from django_tasks_db.models import DBTaskResult

    handlers = {s: signal.getsignal(s) for s in (signal.SIGINT, signal.SIGTERM)}
    deadline = time.monotonic() + timeout
    runs = 0
    try:
        while DBTaskResult.objects.filter(status="READY").exists():
            assert time.monotonic() < deadline, "the queue did not drain in time"
            call_command("db_worker", "--batch", "--no-startup-delay", "--no-reload", verbosity=0)
            runs += 1
            time.sleep(0.05)
    finally:
        for number, handler in handlers.items():
            signal.signal(number, handler)
    return runs


def test_the_database_worker_retries_a_throttled_message_until_it_is_sent(
    aws, ses_identity, database_tasks, settings
):
    from django_tasks_db.models import DBTaskResult

    settings.AWS_SES_CONFIG = Config(retries={"total_max_attempts": 1})
    settings.AWS_SES_QUEUE_RETRY_DELAY = 0.05
    aws.fail("ses", "SendRawEmail", "Throttling", "Maximum sending rate exceeded.", times=1)
    aws.fail("ses", "SendRawEmail", "InternalFailure", "Try again.", status=500, times=1)

    QueuedSESBackend().send_messages([message()])
    run_worker_until_idle()

    (received,) = aws.sent_messages()
    results = sorted(DBTaskResult.objects.all(), key=lambda r: r.args_kwargs["args"][0]["attempt"])
    assert [r.status for r in results] == ["SUCCESSFUL"] * 3
    assert [r.return_value["status"] for r in results] == ["retrying", "retrying", "sent"]
    assert (
        results[1].run_after.year < 9999
    )  # deferred (django-tasks-db stores "none" as the maximum date)
    assert results[2].return_value["message_ids"] == [received.id]
    assert len(aws.calls("ses", "SendRawEmail")) == 3
    assert QueuedDelivery.objects.get().status == "sent"


def test_the_database_worker_gives_up_after_the_last_attempt(
    aws, ses_identity, database_tasks, settings, failures
):
    from django_tasks_db.models import DBTaskResult

    settings.AWS_SES_CONFIG = Config(retries={"total_max_attempts": 1})
    settings.AWS_SES_QUEUE_RETRY_DELAY = 0.01
    settings.AWS_SES_QUEUE_MAX_ATTEMPTS = 3
    aws.reset_connection("ses", "SendRawEmail")

    QueuedSESBackend().send_messages([message()])
    run_worker_until_idle()

    statuses = sorted(
        (r.args_kwargs["args"][0]["attempt"], r.status) for r in DBTaskResult.objects.all()
    )
    assert statuses == [(1, "SUCCESSFUL"), (2, "SUCCESSFUL"), (3, "FAILED")]
    assert len(aws.calls("ses", "SendRawEmail")) == 3
    assert not aws.sent_messages()
    row = QueuedDelivery.objects.get()
    assert (row.status, row.attempts) == ("failed", 3)
    assert "SESConnectFailedError" in row.error
    assert len(failures) == 1
