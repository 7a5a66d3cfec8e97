"""The pre-send check against the SES account-level suppression list.

``AWS_SES_CHECK_SUPPRESSION_LIST = True``: before sending, each recipient is
looked up (``GetSuppressedDestination``) unless its answer is cached; the
suppressed ones are removed and reported in ``ses_status``. Asserted on the
requests the local SES received.
"""

from __future__ import annotations

import logging
import urllib.parse
import uuid

import pytest
from django.core import checks
from django.core.cache import caches
from django.core.mail import EmailMessage
from django.core.management import call_command
from freezegun import freeze_time

from django_ses import QueuedSESBackend, SESBackend
from django_ses.models import BlacklistedEmail
from django_ses.sending.mime import Recipient
from django_ses.sending.suppression import Suppression
from django_ses.sending.suppression_cache import cache_key
from django_ses.sending.suppression_check import unique_addresses
from django_ses.tasks_compat import tasks_module
from django_ses.testing.sent import parse, v1_destinations, v1_raw, v2_destinations
from tests.ses_fakes import SuppressionList
from tests.ses_templates import LocalTemplates

pytestmark = pytest.mark.django_db

DUMMY_TASKS = f"{tasks_module().__name__}.backends.dummy.DummyBackend"


@pytest.fixture(autouse=True)
def check_on(settings):
    """The check on, with a cache of its own (empty for each test)."""
    settings.CACHES = {
        **settings.CACHES,
        "suppression": {
            "BACKEND": "django.core.cache.backends.locmem.LocMemCache",
            "LOCATION": f"suppression-{uuid.uuid4().hex}",
        },
    }
    settings.AWS_SES_SUPPRESSION_LIST_CACHE = "suppression"
    settings.AWS_SES_CHECK_SUPPRESSION_LIST = True


def looked_up(aws) -> list[str]:
    """The address of every GetSuppressedDestination request, from its URL path."""
    return [
        urllib.parse.unquote(call.path.rsplit("/", 1)[1])
        for call in aws.calls("sesv2", "GetSuppressedDestination")
    ]


def message(to: list[str], **kwargs) -> EmailMessage:
    return EmailMessage("Hello", "Body", "sender@example.com", to, **kwargs)


# ---------------------------------------------------------------- pure rules


def test_addresses_are_looked_up_bare_lower_cased_and_once():
    assert unique_addresses(["Ann <Ann@Example.com>", "ann@example.com", "", "bob@x.org"]) == [
        "ann@example.com",
        "bob@x.org",
    ]


def test_an_answer_is_cached_per_account_and_address_whatever_its_spelling():
    assert cache_key("acct@us-east-1", "Ann <ANN@example.com>") == cache_key(
        "acct@us-east-1", "ann@example.com"
    )
    assert cache_key("acct@us-east-1", "ann@example.com") != cache_key(
        "acct@eu-west-1", "ann@example.com"
    )
    assert "ann" not in cache_key("acct@us-east-1", "ann@example.com")


def test_the_suppression_tells_which_left_out_addresses_are_on_the_ses_list():
    suppression = Suppression(
        frozenset({"black@x.org", "listed@x.org"}), frozenset({"listed@x.org"})
    )
    recipients = [Recipient("to", a, a) for a in ("ok@x.org", "Listed@x.org", "black@x.org")]

    allowed, left_out = suppression.split(recipients)

    assert [r.address for r in allowed] == ["ok@x.org"]
    assert left_out == ("Listed@x.org", "black@x.org")
    assert suppression.listed(left_out) == ("Listed@x.org",)


# ------------------------------------------------------------- over the wire


def test_the_check_is_off_by_default(aws, ses_identity, settings):
    del settings.AWS_SES_CHECK_SUPPRESSION_LIST
    SuppressionList(aws, {"gone@example.org": "BOUNCE"})

    assert SESBackend().send_messages([message(["gone@example.org"])]) == 1

    assert aws.calls("sesv2", "GetSuppressedDestination") == []


def test_a_suppressed_recipient_is_removed_and_reported(aws, ses_identity):
    SuppressionList(aws, {"gone@example.org": "COMPLAINT"})
    msg = message(["ann@example.org", "Gone <Gone@example.org>"], cc=["cc@example.org"])

    assert SESBackend().send_messages([msg]) == 1

    (call,) = aws.calls("ses", "SendRawEmail")
    assert v1_destinations(call) == ["ann@example.org", "cc@example.org"]
    assert "gone@example.org" not in str(parse(v1_raw(call))["To"]).lower()
    assert msg.ses_status.status == "sent"
    assert msg.ses_status.suppressed_recipients == ("Gone <Gone@example.org>",)
    assert msg.ses_status.suppression_list_recipients == ("Gone <Gone@example.org>",)


def test_a_message_whose_every_recipient_is_suppressed_is_not_sent(aws, ses_identity):
    SuppressionList(aws, {"gone@example.org": "BOUNCE", "left@example.org": "BOUNCE"})
    msg = message(["gone@example.org"], bcc=["left@example.org"])
    other = message(["ann@example.org"])

    assert SESBackend().send_messages([msg, other]) == 1

    assert [v1_destinations(c) for c in aws.calls("ses", "SendRawEmail")] == [["ann@example.org"]]
    assert msg.ses_status.status == "suppressed"
    assert msg.ses_status.suppression_list_recipients == ("gone@example.org", "left@example.org")
    assert msg.ses_status.error is None


def test_a_batch_costs_one_lookup_per_address_and_the_next_batch_none(aws, ses_identity):
    SuppressionList(aws, {"gone@example.org": "BOUNCE"})
    batch = [
        message(["ann@example.org", "gone@example.org"]),
        message(["ANN@example.org"], cc=["bob@example.org"]),
        message(["Gone <gone@example.org>"]),
    ]

    assert SESBackend().send_messages(batch) == 2
    assert sorted(looked_up(aws)) == ["ann@example.org", "bob@example.org", "gone@example.org"]

    again = [message(["bob@example.org", "gone@example.org"]), message(["ann@example.org"])]
    assert SESBackend().send_messages(again) == 2

    # "Not suppressed" (NotFoundException) is cached as well as "suppressed".
    assert len(looked_up(aws)) == 3
    assert again[0].ses_status.suppression_list_recipients == ("gone@example.org",)


def test_an_address_with_a_plus_reaches_ses_escaped_in_the_path(aws, ses_identity):
    SuppressionList(aws, {"a+tag@example.org": "BOUNCE"})
    msg = message(["a+tag@example.org", "ok@example.org"])

    SESBackend().send_messages([msg])

    assert msg.ses_status.suppression_list_recipients == ("a+tag@example.org",)
    raw_paths = [c.raw_path for c in aws.calls("sesv2", "GetSuppressedDestination")]
    assert "/v2/email/suppression/addresses/a%2Btag%40example.org" in raw_paths


def test_blacklisted_addresses_are_not_looked_up(aws, ses_identity, settings):
    settings.AWS_SES_USE_BLACKLIST = True
    BlacklistedEmail.objects.create(email="black@example.org")
    msg = message(["black@example.org", "ann@example.org"])

    SESBackend().send_messages([msg])

    assert looked_up(aws) == ["ann@example.org"]
    assert msg.ses_status.suppressed_recipients == ("black@example.org",)
    assert msg.ses_status.suppression_list_recipients == ()


@pytest.mark.parametrize(
    "code, status", [("TooManyRequestsException", 429), ("InternalFailure", 500)]
)
def test_a_failed_lookup_sends_unchecked_logs_and_caches_nothing(
    aws, ses_identity, caplog, code, status
):
    SuppressionList(aws, {"gone@example.org": "BOUNCE"})
    aws.fail("sesv2", "GetSuppressedDestination", code, status=status)
    msg = message(["gone@example.org", "ann@example.org"])

    with caplog.at_level(logging.WARNING, logger="django_ses.sending.suppression_check"):
        assert SESBackend(concurrency=1).send_messages([msg]) == 1

    assert v1_destinations(aws.calls("ses", "SendRawEmail")[0]) == [
        "gone@example.org",
        "ann@example.org",
    ]
    # The first address is retried by botocore; the second is not asked at all.
    assert set(looked_up(aws)) == {"gone@example.org"}
    assert "could not check 2 address(es)" in caplog.text
    assert msg.ses_status.suppressed_recipients == ()

    aws.reset()
    SuppressionList(aws, {"gone@example.org": "BOUNCE"})
    assert SESBackend().send_messages([message(["gone@example.org"])]) == 0
    assert looked_up(aws) == ["gone@example.org"]


def test_lookups_run_concurrently(aws, ses_identity):
    aws.slow("sesv2", "GetSuppressedDestination", 0.5)
    addresses = [f"user{i}@example.org" for i in range(4)]

    SESBackend(concurrency=4).send_messages([message(addresses)])

    calls = aws.calls("sesv2", "GetSuppressedDestination")
    assert len(calls) == 4
    # All four were received before the first was answered: they ran at once.
    assert max(c.received_at for c in calls) - min(c.received_at for c in calls) < 0.5


def test_after_a_failed_wave_of_lookups_no_other_starts(aws, ses_identity):
    aws.fail("sesv2", "GetSuppressedDestination", "InternalFailure", status=500)
    SESBackend(concurrency=2).send_messages([message([f"other{i}@x.org" for i in range(5)])])

    assert set(looked_up(aws)) == {"other0@x.org", "other1@x.org"}
    assert len(aws.calls("ses", "SendRawEmail")) == 1


def test_answers_expire_after_the_time_to_live(aws, ses_identity, settings):
    settings.AWS_SES_SUPPRESSION_LIST_CACHE_TTL = 60
    with freeze_time("2026-01-01 12:00:00") as clock:
        SESBackend().send_messages([message(["ann@example.org"])])
        clock.tick(59)
        SESBackend().send_messages([message(["ann@example.org"])])
        assert len(looked_up(aws)) == 1
        clock.tick(2)
        SESBackend().send_messages([message(["ann@example.org"])])
    assert len(looked_up(aws)) == 2


def test_answers_are_in_the_configured_cache(aws, ses_identity):
    SuppressionList(aws, {"gone@example.org": "COMPLAINT"})
    backend = SESBackend()

    backend.send_messages([message(["gone@example.org", "ann@example.org"])])

    cache = caches["suppression"]
    assert cache.get(cache_key(backend.throttle_key, "gone@example.org")) == "COMPLAINT"
    assert cache.get(cache_key(backend.throttle_key, "ann@example.org")) == ""


def test_the_command_makes_the_next_send_see_its_change_at_once(aws, ses_identity):
    SuppressionList(aws, {"gone@example.org": "BOUNCE"})
    SESBackend().send_messages([message(["gone@example.org", "ann@example.org"])])

    call_command("ses_suppression_list", "add", "ann@example.org", verbosity=0)
    call_command("ses_suppression_list", "remove", "gone@example.org", verbosity=0)
    msg = message(["gone@example.org", "ann@example.org"])
    SESBackend().send_messages([msg])

    assert msg.ses_status.suppression_list_recipients == ("ann@example.org",)
    assert v1_destinations(aws.calls("ses", "SendRawEmail")[-1]) == ["gone@example.org"]
    assert len(looked_up(aws)) == 4


def test_a_templated_bulk_message_leaves_suppressed_destinations_out(aws, ses_identity):
    LocalTemplates(aws).install().templates["hi"] = {"Subject": "Hi {{name}}", "Text": "x"}
    SuppressionList(aws, {"gone@example.org": "BOUNCE"})
    msg = EmailMessage(
        from_email="sender@example.com",
        to=["ann@example.org", "gone@example.org", "bob@example.org"],
    )
    msg.ses_template = "hi"
    msg.ses_recipient_data = {a: {"name": a[:3]} for a in msg.to}

    assert SESBackend(use_ses_v2=True).send_messages([msg]) == 1

    (call,) = aws.calls("sesv2", "SendBulkEmail")
    sent_to = [e["Destination"]["ToAddresses"] for e in call.json["BulkEmailEntries"]]
    assert sent_to == [["ann@example.org"], ["bob@example.org"]]
    assert msg.ses_status.suppression_list_recipients == ("gone@example.org",)


def test_v2_sending_is_checked_too(aws, ses_identity):
    SuppressionList(aws, {"gone@example.org": "BOUNCE"})

    SESBackend(use_ses_v2=True).send_messages([message(["gone@example.org", "a@example.org"])])

    assert v2_destinations(aws.calls("sesv2", "SendEmail")[0]) == ["a@example.org"]


# ------------------------------------------------------------- queued sending


@pytest.fixture
def dummy_tasks(settings):
    settings.TASKS = {"default": {"BACKEND": DUMMY_TASKS}}
    backend = tasks_module().task_backends["default"]
    backend.clear()
    return backend


def run_as_worker(result):
    from django.utils.module_loading import import_string

    task = import_string(result.task.module_path)
    return task.call(*result.args, **result.kwargs)


def test_queued_sending_checks_when_queued_and_again_when_sent(aws, ses_identity, dummy_tasks):
    SuppressionList(aws, {"early@example.org": "BOUNCE"})
    msg = message(["early@example.org", "late@example.org", "ann@example.org"])

    assert QueuedSESBackend().send_messages([msg]) == 1
    assert msg.ses_status.status == "queued"
    assert msg.ses_status.suppression_list_recipients == ("early@example.org",)
    assert dummy_tasks.results[0].args[0]["suppression_list_recipients"] == ["early@example.org"]

    call_command("ses_suppression_list", "add", "late@example.org", verbosity=0)
    outcome = run_as_worker(dummy_tasks.results[0])

    assert outcome["status"] == "sent"
    assert outcome["suppressed_recipients"] == ["early@example.org", "late@example.org"]
    assert v1_destinations(aws.calls("ses", "SendRawEmail")[0]) == ["ann@example.org"]
    # Queued: early, late and ann looked up; at send time only late (forgotten by "add").
    assert sorted(looked_up(aws)) == [
        "ann@example.org",
        "early@example.org",
        "late@example.org",
        "late@example.org",
    ]


def test_a_queued_message_suppressed_entirely_at_send_time_is_not_sent(
    aws, ses_identity, dummy_tasks
):
    QueuedSESBackend().send_messages([message(["late@example.org"])])
    call_command("ses_suppression_list", "add", "late@example.org", verbosity=0)

    outcome = run_as_worker(dummy_tasks.results[0])

    assert outcome["status"] == "suppressed"
    assert aws.calls("ses", "SendRawEmail") == []


# ------------------------------------------------------ the local SES's answer


def test_without_the_check_ses_accepts_and_bounces_it_on_account_suppression_list(
    aws, ses_identity, settings
):
    settings.AWS_SES_CHECK_SUPPRESSION_LIST = False
    SuppressionList(aws, {"gone@example.org": "BOUNCE"})

    SESBackend().send_messages([message(["gone@example.org"])])
    aws.ses.simulator.wait()

    (bounce,) = [n for n in aws.ses.simulator.published if n["notificationType"] == "Bounce"]
    assert bounce["bounce"]["bounceSubType"] == "OnAccountSuppressionList"
    assert bounce["bounce"]["bouncedRecipients"] == [
        {"emailAddress": "gone@example.org", "action": "failed"}
    ]


# ------------------------------------------------------------ system checks


def test_the_cache_must_be_in_caches(settings):
    settings.AWS_SES_SUPPRESSION_LIST_CACHE = "nope"
    settings.AWS_SES_SUPPRESSION_LIST_CACHE_TTL = 0

    ids = [m.id for m in checks.run_checks() if m.id in ("django_ses.E020", "django_ses.E021")]

    assert ids == ["django_ses.E020", "django_ses.E021"]


# ------------------------------------------------------------- a shared cache


def test_with_redis_the_answers_are_shared_and_expire(aws, ses_identity, settings, require_redis):
    settings.AWS_SES_SUPPRESSION_LIST_CACHE = "default"
    settings.AWS_SES_SUPPRESSION_LIST_CACHE_TTL = 120
    address = f"shared-{uuid.uuid4().hex[:8]}@example.org"
    backend = SESBackend()
    key = cache_key(backend.throttle_key, address)
    cache = caches["default"]
    try:
        backend.send_messages([message([address])])

        # Another connection to the same Redis (as another process has) finds the answer.
        other = caches.create_connection("default")
        assert other.get(key) == ""
        client = other._cache.get_client(key)
        assert 0 < client.ttl(other.make_and_validate_key(key)) <= 120
        SESBackend().send_messages([message([address])])
        assert looked_up(aws) == [address]
    finally:
        cache.delete(key)
