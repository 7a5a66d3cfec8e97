"""The commands as ``manage.py`` runs them, in a project that turned signature verification off.

``python -m django`` in a subprocess (settings ``tests.unverified.settings``,
a SQLite file), reaching the session's local SES through the environment. The
warning that verification is off (``django_ses.W032``) is a deployment check:
``check --deploy`` and ``ses_events_consume`` show it, other commands do not.
At ``-v 0`` a command prints nothing but its errors.
"""

from __future__ import annotations

import os
import subprocess
import sys
from collections.abc import Callable
from pathlib import Path

import boto3
import pytest

ROOT = Path(__file__).resolve().parent.parent

Manage = Callable[..., subprocess.CompletedProcess[str]]


@pytest.fixture(scope="module")
def manage(tmp_path_factory: pytest.TempPathFactory) -> Manage:
    """Runs ``python -m django ARGV…`` in the project, its database migrated."""
    env = {
        **os.environ,
        "DJANGO_SETTINGS_MODULE": "tests.unverified.settings",
        "UNVERIFIED_PROJECT_DATABASE": str(tmp_path_factory.mktemp("unverified") / "db.sqlite3"),
    }

    def run(*argv: str) -> subprocess.CompletedProcess[str]:
        return subprocess.run(
            [sys.executable, "-m", "django", *argv],
            cwd=ROOT,
            env=env,
            capture_output=True,
            text=True,
            timeout=120,
            stdin=subprocess.DEVNULL,
        )

    migrated = run("migrate", "--verbosity", "0")
    assert migrated.returncode == 0, migrated.stderr
    assert (migrated.stdout, migrated.stderr) == ("", "")
    return run


def test_django_s_own_commands_do_not_print_the_verification_warning(manage):
    checked = manage("check")
    assert checked.returncode == 0, checked.stderr
    assert "django_ses.W032" not in checked.stderr
    assert checked.stdout == "System check identified no issues (0 silenced).\n"


def test_check_deploy_prints_the_verification_warning(manage):
    checked = manage("check", "--deploy")
    assert "(django_ses.W032) SNS signature verification is off" in checked.stderr


def test_a_command_at_verbosity_0_prints_nothing_on_success(manage):
    added = manage("blacklist", "--add", "jane@example.com", "bob@example.com", "-v", "0")
    assert (added.returncode, added.stdout, added.stderr) == (0, "", "")


def test_a_command_at_verbosity_0_prints_its_error_on_failure(manage):
    manage("blacklist", "--add", "jane@example.com", "-v", "0")
    listed = manage("blacklist", "--list", "--page", "9", "--limit", "50", "-v", "0")
    assert listed.returncode == 1
    assert listed.stdout == ""
    assert listed.stderr.startswith("CommandError: Page 9 is out of range: ")


def test_ses_events_consume_prints_the_verification_warning_except_at_verbosity_0(manage, aws):
    sqs = boto3.client("sqs", region_name="us-east-1", endpoint_url=aws.url)
    queue = sqs.create_queue(QueueName="unverified-events")["QueueUrl"]
    argv = ("ses_events_consume", "--queue-url", queue, "--once", "--wait", "0")

    loud, quiet = manage(*argv), manage(*argv, "-v", "0")

    assert loud.returncode == 0, loud.stderr
    assert "(django_ses.W032) SNS signature verification is off" in loud.stderr
    assert "0 messages received" in loud.stdout
    assert (quiet.returncode, quiet.stdout, quiet.stderr) == (0, "", "")
