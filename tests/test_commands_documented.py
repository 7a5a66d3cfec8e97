"""Every command line that docs/*.rst and README.rst show runs, as written, on the local SES.

The lines are collected from code blocks (``$ python manage.py …``, cron and
systemd lines, a container's ``command:`` list) and from inline literals
(````python manage.py migrate````). Each runs through ``call_command`` with the
arguments split as a shell splits them, in a folder holding the files the docs
name (``blacklist.csv``, ``welcome.txt``, ``email_templates/``), after the
steps the docs take before it (:data:`GIVEN`). A few lines cannot run in a test
suite; :data:`NOT_RUN` says why, each.
"""

from __future__ import annotations

import io
import itertools
import json
import re
import shlex
from collections.abc import Callable
from pathlib import Path

import boto3
import pytest
from django.core.management import call_command, load_command_class

from django_ses.models import BlacklistedEmail
from django_ses.testing.session import pointed_at

ROOT = Path(__file__).resolve().parent.parent
DOCUMENTS = [*sorted((ROOT / "docs").glob("*.rst")), ROOT / "README.rst"]

_INLINE = re.compile(r"``(.+?)``", re.S)
_MANAGE_PY = re.compile(r"(?:^|[\s/])manage\.py (.+)$", re.M)
_MANAGE_PY_LIST = re.compile(r'"manage\.py"((?:,\s*"[^"]*")*)')
_PYTHON_M = re.compile(r"(?:^|\s)(python3? -m .+)$", re.M)
_SHELL_OPERATORS = {"&&", "||", "|", ";"}

#: Documented lines not run here, and why.
NOT_RUN = {
    "ses_events_consume": "a long-running consumer: it reads its queues until SIGTERM "
    "(the --once line is run)",
    "ses_events_consume --queue-url https://sqs.eu-west-1.amazonaws.com/123456789012/ses-events": (
        "a long-running consumer: it reads its queue until SIGTERM (the --once line is run)"
    ),
    "db_worker": "django-tasks' worker: it runs until stopped",
    "ses_templates": "names the command: its actions are the lines below it",
    "python3 -m venv .venv && .venv/bin/python -m pip install -e '.[dev]' "
    "&& .venv/bin/python example/run.py": "installs the package and starts the demo: "
    "tests/test_example.py runs example/run.py --smoke",
    "python3 -m venv .venv && .venv/bin/python -m pip install -e '.[dev]' "
    "&& .venv/bin/python runtests.py": "installs the package and runs this suite",
}


def documented_lines() -> dict[str, list[str]]:
    """Every command line the docs show (the arguments after ``manage.py``) and where."""
    found: dict[str, list[str]] = {}
    for path in DOCUMENTS:
        text = path.read_text()

        def add(position: int, line: str, *, text: str = text, path: Path = path) -> None:
            where = f"{path.relative_to(ROOT)}:{text.count(chr(10), 0, position) + 1}"
            found.setdefault(line, []).append(where)

        for literal in _INLINE.finditer(text):
            command = _MANAGE_PY.search(" ".join(literal.group(1).split()))
            if command:
                add(literal.start(), command.group(1))
        # Blocks: inline literals blanked, shell line continuations joined (lengths kept).
        blocks = _INLINE.sub(lambda m: " " * len(m.group(0)), text).replace("\\\n", "  ")
        for command in _MANAGE_PY.finditer(blocks):
            add(command.start(), command.group(1).strip())
        for command in _MANAGE_PY_LIST.finditer(blocks):
            add(command.start(), " ".join(json.loads(f"[{command.group(1).lstrip(',')}]")))
        for command in _PYTHON_M.finditer(blocks):
            add(command.start(), command.group(1).strip())
    return found


def argv_of(line: str) -> list[str]:
    """The line split as a shell splits it, up to a shell operator."""
    argv = []
    for word in shlex.split(line):
        if word in _SHELL_OPERATORS:
            break
        argv.append(word)
    return argv


def verbosity_of(argv: list[str]) -> int:
    """The ``-v``/``--verbosity`` the line gives (1 when it gives none)."""
    for flag, value in itertools.pairwise(argv):
        if flag in ("-v", "--verbosity"):
            return int(value)
    return 1


LINES = documented_lines()
RUN = sorted(line for line in LINES if line not in NOT_RUN)


# -- what the docs do before a line -------------------------------------------------------------


def _add_identity() -> None:
    call_command("ses_email_address", "--add", "ops@example.com", verbosity=0)


def _sixty_blacklisted() -> None:
    BlacklistedEmail.objects.bulk_create(
        BlacklistedEmail(email=f"user{n:02d}@example.com") for n in range(60)
    )


def _blacklisted_bob() -> None:
    BlacklistedEmail.objects.create(email="bob@example.com")


def _events_queue() -> None:
    # The documented URL's queue, in moto's default account (123456789012).
    boto3.client("sqs", region_name="eu-west-1").create_queue(QueueName="ses-events")


def _welcome_template() -> None:
    call_command(
        "ses_templates", "put", "welcome", "--subject", "Hi {{name}}", "--text-file",
        "welcome.txt", verbosity=0,
    )  # fmt: skip


def _suppressed_bob() -> None:
    call_command("ses_suppression_list", "add", "bob@example.com", verbosity=0)


#: The documented steps before a line (the lines above it, in the docs).
GIVEN: dict[str, Callable[[], None]] = {
    "ses_email_address --delete ops@example.com": _add_identity,
    "blacklist --list --search example.com --page 2 --limit 50": _sixty_blacklisted,
    "blacklist --delete bob@example.com": _blacklisted_bob,
    "ses_events_consume --queue-url https://sqs.eu-west-1.amazonaws.com/123456789012/ses-events "
    "--once": _events_queue,
    "ses_templates show welcome": _welcome_template,
    'ses_templates render welcome --data \'{"name": "Alice"}\'': _welcome_template,
    "ses_templates delete welcome": _welcome_template,
    "ses_suppression_list remove bob@example.com": _suppressed_bob,
}


@pytest.fixture
def docs_folder(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Path:
    """The current folder, with the files the documented lines name."""
    (tmp_path / "blacklist.csv").write_text("email,reason\njane@example.com,manual\n")
    (tmp_path / "welcome.txt").write_text("Hello {{name}}.")
    templates = tmp_path / "email_templates"
    templates.mkdir()
    (templates / "welcome.subject.txt").write_text("Welcome, {{name}}")
    (templates / "welcome.txt").write_text("Hello {{name}}.")
    (templates / "welcome.html").write_text("<p>Hello {{name}}.</p>")
    monkeypatch.chdir(tmp_path)
    return tmp_path


# -- the tests ----------------------------------------------------------------------------------


def test_the_docs_show_command_lines():
    assert len(RUN) >= 30
    assert "ses_suppression_list push --dry-run -v 2" in RUN


def test_every_line_not_run_is_still_documented():
    assert sorted(set(NOT_RUN) - set(LINES)) == []
    assert sorted(set(GIVEN) - set(RUN)) == []


@pytest.mark.django_db(transaction=True)
@pytest.mark.parametrize("line", RUN)
def test_each_documented_command_line_runs(line, docs_folder, aws, ses_identity, capsys):
    GIVEN.get(line, lambda: None)()
    name, *argv = argv_of(line)
    out, err = io.StringIO(), io.StringIO()

    with pointed_at(aws):
        call_command(name, *argv, stdout=out, stderr=err)  # a CommandError fails the test

    said = out.getvalue() + err.getvalue() + capsys.readouterr().out
    if verbosity_of(argv) == 0:
        assert said == ""
    else:
        assert said.strip(), "the command said nothing"


@pytest.mark.django_db(transaction=True)
def test_the_installation_check_sends_one_message(docs_folder, aws, ses_identity, capsys):
    (line,) = (line for line in RUN if line.startswith("shell -c"))
    name, *argv = argv_of(line)

    with pointed_at(aws):
        call_command(name, *argv)

    assert capsys.readouterr().out.splitlines()[-1] == "1"  # "1 means SES accepted it"
    assert [m.destinations for m in aws.sent_messages()] == [["you@example.com"]]


def test_verbosity_after_the_action_is_read():
    parser = load_command_class("django_ses", "ses_suppression_list").create_parser(
        "manage.py", "ses_suppression_list"
    )
    assert parser.parse_args(["push", "--dry-run", "-v", "2"]).verbosity == 2
    assert parser.parse_args(["-v", "0", "push"]).verbosity == 0
