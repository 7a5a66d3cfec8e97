"""Queued sending: QueuedSESBackend enqueues, the send_queued_email task sends.

The task framework is Django's own (django.tasks, Django 6.0+) or the
django-tasks backport (Django 5.2), with its ImmediateBackend (the task runs
at once and sends through the local AWS) or its DummyBackend (the task is only
recorded; the test then runs it as a worker would).
"""

from __future__ import annotations

import base64
import json
import logging
import sys

import django
import dkim
import pytest
from cryptography.hazmat.primitives import serialization
from cryptography.hazmat.primitives.asymmetric import rsa
from django.core import checks
from django.core.exceptions import ImproperlyConfigured
from django.core.mail import EmailMessage
from django.utils.module_loading import import_string

from django_ses import QueuedSESBackend, signals, tasks
from django_ses.exceptions import InvalidMessageError
from django_ses.models import BlacklistedEmail
from django_ses.tasks_compat import tasks_module
from tests.aws import error_response
from tests.ses_wire import parse, send_raw_email_ok, v1_destinations, v1_raw, v1_tags, v2_raw

FRAMEWORK = tasks_module()
IMMEDIATE = f"{FRAMEWORK.__name__}.backends.immediate.ImmediateBackend"
DUMMY = f"{FRAMEWORK.__name__}.backends.dummy.DummyBackend"


@pytest.fixture
def immediate_tasks(settings):
    settings.TASKS = {"default": {"BACKEND": IMMEDIATE}}
    return FRAMEWORK.task_backends["default"]


@pytest.fixture
def dummy_tasks(settings):
    settings.TASKS = {"default": {"BACKEND": DUMMY}}
    backend = FRAMEWORK.task_backends["default"]
    backend.clear()
    return backend


def message(subject: str = "Hello", **kwargs) -> EmailMessage:
    kwargs.setdefault("to", ["to@example.net"])
    return EmailMessage(subject, "Body text", "sender@example.com", **kwargs)


def run_as_worker(result):
    """Run an enqueued task the way a worker does: find the task by its path, call it."""
    task = import_string(result.task.module_path)
    return task.call(*result.args, **result.kwargs)


def use_email_backend(settings, path: str) -> None:
    """Make ``path`` the default email backend (MAILERS on Django 6.1, EMAIL_BACKEND before)."""
    if django.VERSION >= (6, 1):
        settings.MAILERS = {"default": {"BACKEND": path}}
    else:
        settings.EMAIL_BACKEND = path


requires_mailers = pytest.mark.skipif(
    django.VERSION < (6, 1), reason="MAILERS (OPTIONS and alias) arrived in Django 6.1"
)


def addresses(count: int) -> list[str]:
    return [f"user{i}@example.org" for i in range(count)]


# ------------------------------------------------------------ ImmediateBackend


def test_a_queued_message_is_sent_through_ses_by_the_task(aws, ses_identity, immediate_tasks):
    msg = message(subject="Queued hello", cc=["cc@example.net"], bcc=["hidden@example.org"])

    assert QueuedSESBackend().send_messages([msg]) == 1

    (call,) = aws.calls("ses", "SendRawEmail")
    assert v1_destinations(call) == ["to@example.net", "cc@example.net", "hidden@example.org"]
    raw = v1_raw(call)
    assert parse(raw)["Subject"] == "Queued hello"
    assert parse(raw)["Cc"] == "cc@example.net"
    assert b"hidden@example.org" not in raw
    (received,) = aws.sent_messages()
    result = msg.ses_task_result
    assert result.status == FRAMEWORK.TaskResultStatus.SUCCESSFUL
    assert result.return_value["status"] == "sent"
    assert result.return_value["message_ids"] == [received.id]
    assert msg.ses_status.status == "queued"


def test_configuration_set_and_tags_reach_the_wire_from_the_worker(
    aws, ses_identity, immediate_tasks, settings
):
    settings.AWS_SES_CONFIGURATION_SET = "tracking"
    settings.AWS_SES_DEFAULT_TAGS = {"app": "shop"}
    msg = message()
    msg.ses_tags = {"campaign": "spring"}

    QueuedSESBackend().send_messages([msg])

    (call,) = aws.calls("ses", "SendRawEmail")
    assert call.params["ConfigurationSetName"] == "tracking"
    assert v1_tags(call) == {"app": "shop", "campaign": "spring"}


def test_constructor_keywords_travel_to_the_worker(aws, ses_identity, immediate_tasks):
    QueuedSESBackend(use_ses_v2=True).send_messages([message(bcc=["hidden@example.org"])])

    (call,) = aws.calls("sesv2", "SendEmail")
    assert call.json["Destination"] == {
        "ToAddresses": ["to@example.net"],
        "BccAddresses": ["hidden@example.org"],
    }
    assert b"hidden@example.org" not in v2_raw(call)
    assert not aws.calls("ses", "SendRawEmail")


def test_django_send_mail_queues_through_the_configured_backend(
    aws, ses_identity, immediate_tasks, settings
):
    from django.core.mail import send_mail

    use_email_backend(settings, "django_ses.QueuedSESBackend")

    assert send_mail("Subject", "Body", "sender@example.com", ["to@example.net"]) == 1
    assert parse(aws.sent_messages()[0].raw_data)["Subject"] == "Subject"


@requires_mailers
def test_mailers_options_are_read_by_the_worker_and_never_queued(
    aws, ses_identity, dummy_tasks, settings
):
    settings.MAILERS = {
        "default": {"BACKEND": "django.core.mail.backends.locmem.EmailBackend"},
        "ses": {
            "BACKEND": "django_ses.QueuedSESBackend",
            "OPTIONS": {"use_ses_v2": True, "aws_access_key": "AKIAMAILERS", "aws_secret_key": "s"},
        },
    }
    msg = message()

    assert msg.send(using="ses") == 1
    (result,) = dummy_tasks.results
    run_as_worker(result)

    assert "AKIAMAILERS" not in json.dumps(result.args)
    assert result.args[0]["mailer"] == "ses"
    (call,) = aws.calls("sesv2", "SendEmail")
    assert "Credential=AKIAMAILERS/" in call.headers["authorization"]


def test_message_sent_fires_in_the_worker_with_a_rebuilt_message(
    aws, ses_identity, immediate_tasks
):
    received = []

    def receiver(sender, message, **kwargs):
        received.append((sender, message))

    signals.message_sent.connect(receiver)
    try:
        QueuedSESBackend().send_messages([message(subject="Signal", bcc=["b@example.org"])])
    finally:
        signals.message_sent.disconnect(receiver)

    ((sender, rebuilt),) = received
    (sent,) = aws.sent_messages()
    assert sender is QueuedSESBackend
    assert rebuilt.subject == "Signal"
    assert rebuilt.to == ["to@example.net"]
    assert rebuilt.bcc == ["b@example.org"]
    assert rebuilt.ses_status.status == "sent"
    assert rebuilt.ses_status.message_id == sent.id
    assert rebuilt.extra_headers["message_id"] == sent.id
    assert parse(rebuilt.ses_raw_message)["Subject"] == "Signal"


def test_manual_dkim_signs_once_when_queued_and_the_signature_verifies(
    aws, ses_identity, immediate_tasks, settings
):
    key = rsa.generate_private_key(public_exponent=65537, key_size=2048)
    settings.DKIM_DOMAIN = "example.com"
    settings.DKIM_PRIVATE_KEY = key.private_bytes(
        serialization.Encoding.PEM,
        serialization.PrivateFormat.PKCS8,
        serialization.NoEncryption(),
    ).decode()
    public = key.public_key().public_bytes(
        serialization.Encoding.DER, serialization.PublicFormat.SubjectPublicKeyInfo
    )
    record = b"v=DKIM1; k=rsa; p=" + base64.b64encode(public)

    QueuedSESBackend().send_messages([message()])

    raw = v1_raw(aws.calls("ses", "SendRawEmail")[0])
    assert len(parse(raw).get_all("DKIM-Signature")) == 1
    assert dkim.verify(raw, dnsfunc=lambda name, timeout=5: record)


# --------------------------------------------------------------- DummyBackend


def test_the_enqueued_payload_is_json_and_nothing_is_sent_yet(aws, dummy_tasks):
    msg = message(subject="Later", bcc=["hidden@example.org"])

    assert QueuedSESBackend(use_ses_v2=True).send_messages([msg]) == 1

    assert not aws.calls()
    (result,) = dummy_tasks.results
    assert result.task.module_path == "django_ses.tasks.send_queued_email"
    (payload,) = result.args
    assert json.loads(json.dumps(payload)) == payload
    assert payload["format"] == "django_ses.queued/1"
    assert payload["options"] == {"use_ses_v2": True}
    assert [r["destination"] for r in payload["recipients"]] == [
        "to@example.net",
        "hidden@example.org",
    ]
    raw = base64.b64decode(payload["raw_message"])
    assert parse(raw)["Subject"] == "Later"
    assert b"hidden@example.org" not in raw
    assert msg.ses_status.status == "queued"
    assert msg.ses_task_result.id == result.id


def test_running_the_enqueued_task_sends_the_message(aws, ses_identity, dummy_tasks):
    QueuedSESBackend().send_messages([message(subject="Later", cc=["cc@example.net"])])
    (result,) = dummy_tasks.results

    outcome = run_as_worker(result)

    (call,) = aws.calls("ses", "SendRawEmail")
    assert v1_destinations(call) == ["to@example.net", "cc@example.net"]
    assert parse(v1_raw(call))["Subject"] == "Later"
    assert outcome["status"] == "sent"
    assert outcome["message_ids"] == [aws.sent_messages()[0].id]


def test_one_task_is_queued_per_message(aws, dummy_tasks):
    messages = [message(subject=f"n{i}") for i in range(3)]

    assert QueuedSESBackend().send_messages(messages) == 3

    subjects = [
        parse(base64.b64decode(r.args[0]["raw_message"]))["Subject"] for r in dummy_tasks.results
    ]
    assert subjects == ["n0", "n1", "n2"]
    assert len({r.args[0]["delivery_id"] for r in dummy_tasks.results}) == 3


def test_an_invalid_message_raises_before_anything_is_queued(aws, dummy_tasks):
    valid, invalid = message(), message(to=["not an address"])

    with pytest.raises(InvalidMessageError, match="To address"):
        QueuedSESBackend().send_messages([valid, invalid])

    assert dummy_tasks.results == []
    assert invalid.ses_status.status == "failed"
    assert valid.ses_status.status == "failed"


def test_with_fail_silently_only_the_valid_messages_are_queued(aws, dummy_tasks):
    valid, invalid = message(), message(to=["not an address"])

    assert QueuedSESBackend(fail_silently=True).send_messages([valid, invalid]) == 1

    assert len(dummy_tasks.results) == 1
    assert valid.ses_status.status == "queued"
    assert invalid.ses_status.status == "failed"


def test_send_messages_returns_zero_for_an_empty_list(dummy_tasks):
    assert QueuedSESBackend().send_messages([]) == 0
    assert dummy_tasks.results == []


def test_the_task_backend_and_queue_come_from_the_settings(aws, settings):
    settings.TASKS = {
        "default": {"BACKEND": IMMEDIATE},
        "mail": {"BACKEND": DUMMY, "QUEUES": ["emails"]},
    }
    settings.AWS_SES_TASK_BACKEND = "mail"
    settings.AWS_SES_TASK_QUEUE_NAME = "emails"
    FRAMEWORK.task_backends["mail"].clear()

    QueuedSESBackend().send_messages([message()])

    (result,) = FRAMEWORK.task_backends["mail"].results
    assert result.task.queue_name == "emails"
    assert result.task.backend == "mail"
    assert not aws.calls()


# ------------------------------------------------------------- worker semantics


def test_the_blacklist_is_checked_again_when_the_task_runs(
    aws, ses_identity, dummy_tasks, db, settings
):
    settings.AWS_SES_USE_BLACKLIST = True
    QueuedSESBackend().send_messages([message(to=["to@example.net"], bcc=["late@example.org"])])
    BlacklistedEmail.objects.create(email="late@example.org")

    outcome = run_as_worker(dummy_tasks.results[0])

    assert v1_destinations(aws.calls("ses", "SendRawEmail")[0]) == ["to@example.net"]
    assert outcome["status"] == "sent"
    assert outcome["suppressed_recipients"] == ["late@example.org"]


def test_a_message_blacklisted_entirely_when_queued_is_not_queued(aws, dummy_tasks, db, settings):
    settings.AWS_SES_USE_BLACKLIST = True
    BlacklistedEmail.objects.create(email="to@example.net")
    msg = message()

    assert QueuedSESBackend().send_messages([msg]) == 0

    assert dummy_tasks.results == []
    assert msg.ses_status.status == "suppressed"


def test_a_message_blacklisted_entirely_by_send_time_is_suppressed(
    aws, ses_identity, dummy_tasks, db, settings
):
    settings.AWS_SES_USE_BLACKLIST = True
    QueuedSESBackend().send_messages([message()])
    BlacklistedEmail.objects.create(email="to@example.net")

    outcome = run_as_worker(dummy_tasks.results[0])

    assert outcome["status"] == "suppressed"
    assert not aws.calls("ses", "SendRawEmail")


def test_a_transient_failure_queues_the_task_again_and_the_retry_skips_accepted_recipients(
    aws, ses_identity, dummy_tasks, db
):
    bcc = addresses(120)
    QueuedSESBackend().send_messages([message(to=[], bcc=bcc)])
    (result,) = dummy_tasks.results

    def throttled(call):
        return error_response(call, "Throttling", "Maximum sending rate exceeded.")

    aws.respond("ses", "SendRawEmail", send_raw_email_ok, times=1)
    aws.respond("ses", "SendRawEmail", throttled, times=99)
    first = run_as_worker(result)
    first_attempt = [v1_destinations(c) for c in aws.calls("ses", "SendRawEmail")]
    aws.reset()
    aws.respond("ses", "SendRawEmail", send_raw_email_ok)
    (_, again) = dummy_tasks.results

    outcome = run_as_worker(again)

    assert first["status"] == "retrying"
    assert first["error_code"] == "Throttling"
    assert again.args[0]["attempt"] == 2
    assert again.task.run_after is not None
    retried = [v1_destinations(c) for c in aws.calls("ses", "SendRawEmail")]
    assert first_attempt[0] == bcc[:50]
    assert retried == [bcc[50:100], bcc[100:]]
    assert outcome["status"] == "sent"
    assert len(outcome["message_ids"]) == 3


def test_the_immediate_backend_records_a_transient_failure_as_a_failed_task(
    aws, ses_identity, immediate_tasks, db
):
    aws.fail("ses", "SendRawEmail", "ServiceUnavailable", "Try later.", status=503)
    msg = message()

    assert QueuedSESBackend().send_messages([msg]) == 1

    result = msg.ses_task_result
    assert result.status == FRAMEWORK.TaskResultStatus.FAILED
    assert result.errors[0].exception_class_path == "django_ses.exceptions.SESServerError"


def test_a_rejected_message_is_logged_and_the_task_does_not_fail(
    aws, ses_identity, dummy_tasks, caplog, db
):
    QueuedSESBackend().send_messages([message()])
    aws.fail("ses", "SendRawEmail", "MessageRejected", "Email address is not verified.")

    with caplog.at_level(logging.ERROR, logger="django_ses"):
        outcome = run_as_worker(dummy_tasks.results[0])

    assert outcome["status"] == "failed"
    assert outcome["error_code"] == "MessageRejected"
    assert outcome["unsent_recipients"] == ["to@example.net"]
    (record,) = [r for r in caplog.records if r.levelno == logging.ERROR]
    assert len(dummy_tasks.results) == 1  # not queued again
    assert "will not be retried" in record.getMessage()
    assert "to@example.net" in record.getMessage()


@pytest.fixture
def fresh_throttle():
    from django_ses.sending.quota import clear_quota_cache
    from django_ses.sending.throttle import reset_rate_limiters

    clear_quota_cache()
    reset_rate_limiters()
    yield
    clear_quota_cache()
    reset_rate_limiters()


def test_the_worker_throttles_with_the_account_send_rate(
    aws, ses_identity, dummy_tasks, settings, fresh_throttle
):
    settings.AWS_SES_AUTO_THROTTLE = 0.5
    QueuedSESBackend().send_messages([message()])
    quota_reads_when_queued = len(aws.calls("ses", "GetSendQuota"))

    run_as_worker(dummy_tasks.results[0])

    assert quota_reads_when_queued == 0
    assert len(aws.calls("ses", "GetSendQuota")) == 1
    assert len(aws.sent_messages()) == 1


def test_a_task_run_twice_sends_once(aws, ses_identity, dummy_tasks):
    QueuedSESBackend().send_messages([message()])
    (result,) = dummy_tasks.results

    first = run_as_worker(result)
    second = run_as_worker(result)

    assert len(aws.sent_messages()) == 1
    assert first == second
    assert second["status"] == "sent"


def test_a_duplicate_run_while_another_worker_sends_is_deferred_without_sending(
    aws, ses_identity, dummy_tasks
):
    from django.core.cache import cache

    QueuedSESBackend().send_messages([message()])
    (result,) = dummy_tasks.results
    cache.add(f"django_ses:queued:{result.args[0]['delivery_id']}:lock", "other-worker", 60)

    outcome = run_as_worker(result)

    assert outcome["status"] == "retrying"
    assert dummy_tasks.results[1].args[0]["attempt"] == 2
    assert not aws.calls("ses", "SendRawEmail")


def test_a_duplicate_run_raises_when_the_task_backend_cannot_defer(
    aws, ses_identity, dummy_tasks, settings
):
    from django.core.cache import cache

    from django_ses.exceptions import DeliveryInProgressError

    QueuedSESBackend().send_messages([message()])
    (result,) = dummy_tasks.results
    cache.add(f"django_ses:queued:{result.args[0]['delivery_id']}:lock", "other-worker", 60)
    settings.TASKS = {"default": {"BACKEND": IMMEDIATE}}

    with pytest.raises(DeliveryInProgressError, match="another worker"):
        run_as_worker(result)

    assert not aws.calls("ses", "SendRawEmail")


class AssumedRoleQueuedBackend(QueuedSESBackend):
    """A subclass with the create_session() hook: workers must send with it too."""

    def create_session(self):
        import boto3

        return boto3.session.Session(aws_access_key_id="AKIAHOOK", aws_secret_access_key="s")


def test_a_subclass_hook_runs_in_the_worker(aws, ses_identity, dummy_tasks):
    AssumedRoleQueuedBackend().send_messages([message()])
    (result,) = dummy_tasks.results

    run_as_worker(result)

    assert result.args[0]["backend"] == "tests.test_tasks.AssumedRoleQueuedBackend"
    (call,) = aws.calls("ses", "SendRawEmail")
    assert "Credential=AKIAHOOK/" in call.headers["authorization"]


def test_a_payload_naming_another_class_is_refused_without_sending(aws, dummy_tasks, caplog):
    QueuedSESBackend().send_messages([message()])
    (result,) = dummy_tasks.results
    payload = dict(result.args[0], backend="django.core.mail.backends.smtp.EmailBackend")

    with caplog.at_level(logging.ERROR, logger="django_ses"):
        outcome = import_string(result.task.module_path).call(payload)

    assert outcome["status"] == "failed"
    assert "not a QueuedSESBackend subclass" in outcome["error"]
    assert not aws.calls("ses", "SendRawEmail")


def test_a_payload_naming_the_plain_ses_backend_is_refused_without_sending(aws, dummy_tasks):
    QueuedSESBackend().send_messages([message()])
    (result,) = dummy_tasks.results
    payload = dict(result.args[0], backend="django_ses.SESBackend")

    outcome = import_string(result.task.module_path).call(payload)

    assert outcome["status"] == "failed"
    assert "not a QueuedSESBackend subclass" in outcome["error"]
    assert not aws.calls("ses", "SendRawEmail")


def test_a_payload_stored_with_the_old_backend_path_is_sent(aws, ses_identity, dummy_tasks):
    QueuedSESBackend().send_messages([message()])
    (result,) = dummy_tasks.results
    payload = dict(result.args[0], backend="django_ses.queued_backend.QueuedSESBackend")

    outcome = import_string(result.task.module_path).call(payload)

    assert outcome["status"] == "sent"
    assert len(aws.sent_messages()) == 1


def test_a_payload_that_cannot_be_read_is_logged_and_not_retried(caplog):
    from django_ses.tasks import get_task

    with caplog.at_level(logging.ERROR, logger="django_ses"):
        outcome = get_task().call({"format": "something-else/9"})

    assert outcome["status"] == "failed"
    assert "Not a django_ses queued email payload" in outcome["error"]
    assert caplog.records


# -------------------------------------------------------------- configuration


@pytest.mark.parametrize("keyword", ["aws_access_key", "aws_secret_key", "aws_session_token"])
def test_credentials_are_never_put_in_the_queue(keyword):
    with pytest.raises(ImproperlyConfigured, match="never put in the task queue"):
        QueuedSESBackend(**{keyword: "secret-value"})


def test_a_missing_task_backend_alias_is_a_clear_error(settings):
    settings.TASKS = {"other": {"BACKEND": DUMMY}}

    with pytest.raises(ImproperlyConfigured, match="AWS_SES_TASK_BACKEND"):
        QueuedSESBackend().send_messages([message()])


@pytest.fixture
def without_tasks_framework(monkeypatch):
    """Make both implementations unimportable, as on Django 5.2 without the extra."""
    for name in ("django.tasks", "django_tasks", "django_tasks.signals"):
        monkeypatch.setitem(sys.modules, name, None)


def test_without_a_tasks_framework_sending_says_what_to_install(without_tasks_framework):
    with pytest.raises(ImproperlyConfigured, match=r'pip install "django-ses\[tasks\]"'):
        QueuedSESBackend().send_messages([message()])


def check_ids() -> list[str]:
    from django_ses.checks.tasks import check_queued_sending

    return [m.id for m in check_queued_sending() if isinstance(m, checks.CheckMessage)]


def test_the_checks_are_quiet_when_queued_sending_is_configured(settings):
    use_email_backend(settings, "django_ses.QueuedSESBackend")
    settings.TASKS = {"default": {"BACKEND": IMMEDIATE}}

    assert check_ids() == []


def test_check_e017_without_a_tasks_framework(settings, without_tasks_framework):
    use_email_backend(settings, "django_ses.QueuedSESBackend")

    assert check_ids() == ["django_ses.E017"]


def test_check_e018_when_tasks_lacks_the_backend_alias(settings):
    use_email_backend(settings, "django_ses.QueuedSESBackend")
    settings.TASKS = {"default": {"BACKEND": IMMEDIATE}}
    settings.AWS_SES_TASK_BACKEND = "mail"

    assert check_ids() == ["django_ses.E018"]


def test_check_e019_when_the_backend_does_not_serve_the_queue(settings):
    use_email_backend(settings, "django_ses.QueuedSESBackend")
    settings.TASKS = {"default": {"BACKEND": IMMEDIATE, "QUEUES": ["other"]}}

    assert check_ids() == ["django_ses.E019"]


def test_the_checks_ignore_projects_that_do_not_queue(settings, without_tasks_framework):
    use_email_backend(settings, "django_ses.SESBackend")

    assert check_ids() == []


def test_the_task_is_built_once_and_rebuilt_when_its_queue_setting_changes(
    dummy_tasks, settings
) -> None:
    first = tasks.get_task()
    assert tasks.get_task() is first
    assert import_string("django_ses.tasks.send_queued_email") is first
    settings.AWS_SES_TASK_QUEUE_NAME = "mail"
    settings.TASKS = {"default": {"BACKEND": DUMMY, "QUEUES": ["default", "mail"]}}
    rebuilt = tasks.get_task()
    assert rebuilt is not first
    assert rebuilt.queue_name == "mail"
