"""Issue 9's fault run: 500 messages through a local SES that fails some calls at random.

Each ``SendRawEmail`` call, botocore's retries included, draws from a seeded
random mix: about 5 % throttling, 2 % HTTP 500, 1 % connections reset before
the request is read and 0.5 % answers slower than the client's read timeout
(moto accepts those messages; the client never learns it). Once through
``SESBackend``, once through ``QueuedSESBackend`` with django-tasks-db's
worker (PostgreSQL). Afterwards every message is ``sent`` exactly once,
``failed`` with a reason, or ``unknown``, and ``unknown`` only for the slow
answers; the messages moto accepted are the sent ones plus the slow ones.
"""

from __future__ import annotations

import random
import threading
from collections import Counter

import pytest
from botocore.config import Config
from django.core.mail import EmailMessage

from django_ses import QueuedSESBackend, SESBackend
from django_ses.sending.progress import QuotaPause
from tests.aws import RESET, error_response
from tests.ses_wire import parse, v1_raw
from tests.test_queue_retries import run_worker_until_idle

MESSAGES = 500
READ_TIMEOUT = 1.0  # seconds: far above a normal answer (a few ms), even on a busy machine
SLOW = 1.6  # seconds: past the read timeout


class FaultMix:
    """A ``respond()`` rule: each call gets a fault or moto's answer, drawn with a seed."""

    def __init__(self, aws, seed: int) -> None:
        self._aws = aws
        self._random = random.Random(seed)
        self._lock = threading.Lock()
        self.drawn: Counter[str] = Counter()
        #: The subjects whose answer came too late (moto accepted them).
        self.slow_subjects: list[str] = []

    def __call__(self, call):
        with self._lock:
            draw = self._random.random()
        if draw < 0.05:
            kind = "throttled"
        elif draw < 0.07:
            kind = "http500"
        elif draw < 0.08:
            kind = "reset"
        elif draw < 0.085:
            kind = "slow"
        else:
            kind = "ok"
        with self._lock:
            self.drawn[kind] += 1
        if kind == "throttled":
            return error_response(call, "Throttling", "Maximum sending rate exceeded.")
        if kind == "http500":
            return error_response(call, "InternalFailure", "Injected.", status=500)
        if kind == "reset":
            return RESET
        answer = self._aws.forward(call)
        if kind == "slow":
            with self._lock:
                self.slow_subjects.append(parse(v1_raw(call))["Subject"])
            threading.Event().wait(SLOW)
        return answer


def warm_up() -> None:
    """One message before the run, so moto's first (slower) answer is not one of the run's."""
    SESBackend().send_messages([EmailMessage("warm-up", "Body", "sender@example.com", ["w@x.net"])])


def messages() -> list[EmailMessage]:
    return [
        EmailMessage(f"fault-run {i:03d}", "Body", "sender@example.com", [f"r{i}@example.net"])
        for i in range(MESSAGES)
    ]


def accepted_by_subject(aws) -> dict[str, list[str]]:
    """moto's log of accepted messages: subject -> message ids."""
    accepted: dict[str, list[str]] = {}
    for received in aws.sent_messages():
        subject = parse(received.raw_data)["Subject"]
        if subject.startswith("fault-run"):
            accepted.setdefault(subject, []).append(received.id)
    return accepted


def check(outcomes: dict[str, tuple[str, list[str], object]], faults: FaultMix, aws) -> None:
    """``outcomes``: subject -> (status, message ids, error or reason)."""
    assert len(outcomes) == MESSAGES
    statuses = Counter(status for status, _, _ in outcomes.values())
    assert set(statuses) <= {"sent", "failed", "unknown"}, statuses
    for status, _, reason in outcomes.values():
        if status == "failed":
            assert reason
    unknown = sorted(s for s, (status, _, _) in outcomes.items() if status == "unknown")
    assert unknown == sorted(faults.slow_subjects)
    accepted = accepted_by_subject(aws)
    assert all(len(ids) == 1 for ids in accepted.values())  # nothing accepted twice
    sent = {s: ids for s, (status, ids, _) in outcomes.items() if status == "sent"}
    assert {s: accepted[s] for s in sent} == sent  # the ids SES gave are the ones recorded
    assert set(accepted) == set(sent) | set(unknown)  # one for one, plus the slow answers
    assert faults.drawn["throttled"] and faults.drawn["http500"] and faults.drawn["reset"]
    assert faults.drawn["slow"]


def test_a_fault_run_through_ses_backend(aws, ses_identity, settings):
    warm_up()
    faults = FaultMix(aws, seed=9)
    aws.respond("ses", "SendRawEmail", faults)
    batch = messages()
    backend = SESBackend(
        fail_silently=True, aws_config=Config(read_timeout=READ_TIMEOUT, connect_timeout=1)
    )

    sent = backend.send_messages(batch)

    outcomes = {
        m.subject: (
            m.ses_status.status,
            list(m.ses_status.message_ids),
            m.ses_status.error,
        )
        for m in batch
    }
    check(outcomes, faults, aws)
    assert sent == sum(1 for status, _, _ in outcomes.values() if status == "sent")


@pytest.fixture
def database_tasks(settings, require_postgres, transactional_db):
    from django_ses.tasks_compat import tasks_module

    settings.TASKS = {"default": {"BACKEND": "django_tasks_db.DatabaseBackend"}}
    yield tasks_module().task_backends["default"]
    QuotaPause(SESBackend().throttle_key).clear()


def test_a_fault_run_through_the_queue_and_a_real_worker(
    aws, ses_identity, settings, database_tasks
):
    from django_tasks_db.models import DBTaskResult

    # botocore does not retry: the queue does, with its own backoff.
    settings.AWS_SES_CONFIG = Config(
        read_timeout=READ_TIMEOUT, connect_timeout=1, retries={"total_max_attempts": 1}
    )
    settings.AWS_SES_QUEUE_RETRY_DELAY = 0.02
    warm_up()
    faults = FaultMix(aws, seed=99)
    aws.respond("ses", "SendRawEmail", faults)

    assert QueuedSESBackend().send_messages(messages()) == MESSAGES
    run_worker_until_idle(timeout=120)

    last: dict[str, DBTaskResult] = {}
    for result in DBTaskResult.objects.all():
        payload = result.args_kwargs["args"][0]
        subject = payload["subject"]
        if (
            subject not in last
            or payload["attempt"] > last[subject].args_kwargs["args"][0]["attempt"]
        ):
            last[subject] = result
    outcomes = {}
    for subject, result in last.items():
        if result.status == "FAILED":
            outcomes[subject] = ("failed", [], result.exception_class_path)
        else:
            value = result.return_value
            outcomes[subject] = (value["status"], value["message_ids"], value["error"])
    check(outcomes, faults, aws)
    retried = sum(1 for r in last.values() if r.args_kwargs["args"][0]["attempt"] > 1)
    assert retried >= faults.drawn["throttled"] // 2  # the queue did the retrying
