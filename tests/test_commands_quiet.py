"""``-v 0``: every django_ses command prints only what it was asked for, and its errors.

Each command runs with its system checks (``skip_checks=False``, as
``manage.py`` runs it). The test settings route the webhook without a topic
allow-list, so the checks always have a warning (``django_ses.W030``) to
print: at ``-v 1`` it is on stderr, at ``-v 0`` it is not. A listing, an
exported CSV or a template is what the command was asked for, so it is printed
at any verbosity; summaries, progress, warnings and check warnings are not.
"""

from __future__ import annotations

import io
from pathlib import Path

import boto3
import pytest
from django.core.management import CommandError, call_command
from django.core.management.base import SystemCheckError

from django_ses.models import BlacklistedEmail

pytestmark = pytest.mark.django_db


def run(*argv: str, verbosity: int = 0) -> tuple[str, str]:
    """Run ``argv`` as ``manage.py`` would (system checks included): its stdout and stderr."""
    out, err = io.StringIO(), io.StringIO()
    name, *args = argv
    call_command(name, *args, verbosity=verbosity, skip_checks=False, stdout=out, stderr=err)
    return out.getvalue(), err.getvalue()


@pytest.fixture
def queue(aws) -> str:
    sqs = boto3.client("sqs", region_name="us-east-1", endpoint_url=aws.url)
    return str(sqs.create_queue(QueueName="quiet-events")["QueueUrl"])


@pytest.fixture
def template_folder(tmp_path: Path) -> Path:
    (tmp_path / "welcome.subject.txt").write_text("Hi {{name}}")
    (tmp_path / "welcome.txt").write_text("Welcome, {{name}}.")
    return tmp_path


@pytest.fixture
def blacklist_csv(tmp_path: Path) -> Path:
    path = tmp_path / "in.csv"
    path.write_text("email\na@example.com\nnot an address\n")
    return path


def test_the_test_settings_give_the_checks_a_warning_to_print():
    _, err = run("prune_sns_notifications", verbosity=1)
    assert "django_ses.W030" in err


# -- success: nothing at all --------------------------------------------------------------------

SILENT = [
    ("blacklist", "--add", "a@example.com", "b@example.com"),
    ("blacklist", "--add", "listed@example.com"),  # already blacklisted: said at -v 1
    ("blacklist", "--delete", "nobody@example.com"),  # a warning at -v 1
    ("prune_ses_send_log", "--days", "30"),
    ("prune_ses_send_log", "--days", "30", "--dry-run"),
    ("prune_sns_notifications", "--days", "30"),
    ("prune_sns_notifications", "--dry-run"),
    ("get_ses_statistics",),
    ("ses_email_address", "--add", "ops@example.com"),
    ("ses_email_address", "--add", "example.org"),  # DNS records at -v 1
    ("ses_suppression_list", "add", "bob@example.com"),
    ("ses_suppression_list", "remove", "nobody@example.com"),  # a warning at -v 1
    ("ses_suppression_list", "import"),
    ("ses_suppression_list", "push"),
    ("ses_suppression_list", "push", "--dry-run"),
    ("ses_templates", "put", "hello", "--subject", "Hi", "--text-file", "{text_file}"),
]


@pytest.mark.parametrize("argv", SILENT, ids=" ".join)
def test_a_successful_command_prints_nothing_at_verbosity_0(argv, tmp_path):
    BlacklistedEmail.objects.create(email="listed@example.com")  # and push pushes it
    text_file = tmp_path / "hello.txt"
    text_file.write_text("Hello.")
    argv = tuple(arg.format(text_file=text_file) for arg in argv)

    assert run(*argv) == ("", "")


def test_blacklist_import_skipping_invalid_rows_prints_nothing(blacklist_csv):
    assert run("blacklist", "--import", str(blacklist_csv), "--skip-invalid") == ("", "")
    assert list(BlacklistedEmail.objects.values_list("email", flat=True)) == ["a@example.com"]


def test_blacklist_export_to_a_file_prints_nothing(tmp_path):
    BlacklistedEmail.objects.create(email="a@example.com")
    assert run("blacklist", "--export", str(tmp_path / "out.csv")) == ("", "")
    assert "a@example.com" in (tmp_path / "out.csv").read_text()


def test_ses_events_consume_once_prints_nothing(queue):
    assert run("ses_events_consume", "--queue-url", queue, "--once", "--wait", "0") == ("", "")


def test_ses_templates_sync_prints_nothing(template_folder):
    assert run("ses_templates", "sync", str(template_folder)) == ("", "")
    assert run("ses_templates", "sync", str(template_folder), "--dry-run") == ("", "")


def test_ses_templates_delete_prints_nothing(template_folder):
    run("ses_templates", "sync", str(template_folder))
    assert run("ses_templates", "delete", "welcome") == ("", "")


# -- success: only what was asked for -----------------------------------------------------------


def test_blacklist_list_prints_only_the_addresses():
    BlacklistedEmail.objects.create(email="a@example.com")
    assert run("blacklist", "--list") == ("a@example.com\n", "")


def test_blacklist_export_to_stdout_prints_only_the_csv():
    BlacklistedEmail.objects.create(email="a@example.com")
    out, err = run("blacklist", "--export", "-")
    assert out.splitlines()[0] == "email,reason,source,created_at,updated_at"
    assert out.splitlines()[1].startswith("a@example.com,manual,,")
    assert err == ""


def test_ses_email_address_list_prints_only_the_identities():
    run("ses_email_address", "--add", "ops@example.com")
    out, err = run("ses_email_address", "--list")
    assert [line.split()[0] for line in out.splitlines()] == ["ops@example.com"]
    assert err == ""


def test_ses_suppression_list_list_prints_only_the_entries():
    run("ses_suppression_list", "add", "bob@example.com", "--reason", "COMPLAINT")
    out, err = run("ses_suppression_list", "list")
    assert [line.split("\t")[:2] for line in out.splitlines()] == [["bob@example.com", "COMPLAINT"]]
    assert err == ""


def test_ses_templates_list_show_and_render_print_only_the_templates(template_folder):
    run("ses_templates", "sync", str(template_folder))
    assert run("ses_templates", "list") == ("welcome\n", "")
    out, err = run("ses_templates", "show", "welcome")
    assert out.splitlines()[0] == "Subject: Hi {{name}}"
    out, err = run("ses_templates", "render", "welcome", "--data", '{"name": "Ann"}')
    assert "Subject: Hi Ann" in out
    assert err == ""


# -- failure: the error still comes out ---------------------------------------------------------

FAILING = [
    (("blacklist", "--list", "--page", "2"), "Page 2 is out of range"),
    (("blacklist", "--add", "nope"), "not a valid email address"),
    (("prune_ses_send_log", "--days", "0"), "--days must be at least 1"),
    (("prune_sns_notifications", "--days", "x"), "--days must be a whole number"),
    (("ses_email_address", "--delete", "nobody@example.com"), "is not an SES identity"),
    (("ses_events_consume", "--queue-url", "ses-events"), "Not an SQS queue URL"),
    (("ses_suppression_list", "add", "nope"), "not a valid email address"),
    (("ses_templates", "show", "missing"), "SES has no template named 'missing'"),
]


@pytest.mark.parametrize("argv,error", FAILING, ids=[" ".join(a) for a, _ in FAILING])
def test_a_failing_command_still_raises_its_error_at_verbosity_0(argv, error):
    with pytest.raises(CommandError, match=error):
        run(*argv)


def test_an_ses_error_still_raises_at_verbosity_0(aws):
    aws.fail("ses", "GetSendStatistics", "Throttling", "Rate exceeded")
    with pytest.raises(CommandError, match="SES is throttling requests"):
        run("get_ses_statistics")


def test_a_system_check_error_still_stops_the_command_at_verbosity_0(settings):
    settings.AWS_SES_SNS_MAX_AGE = -1
    with pytest.raises(SystemCheckError, match=r"\(django_ses\.E034\) AWS_SES_SNS_MAX_AGE"):
        run("blacklist", "--add", "jane@example.com")
    assert not BlacklistedEmail.objects.exists()
