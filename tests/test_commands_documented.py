"""Every command line docs/commands.rst shows parses as written."""

from __future__ import annotations

import shlex
from pathlib import Path

import pytest
from django.core.management import load_command_class

DOCS = Path(__file__).resolve().parent.parent / "docs" / "commands.rst"


def documented_lines() -> list[str]:
    lines = []
    for line in DOCS.read_text().splitlines():
        text = line.strip()
        if text.startswith("$ python manage.py "):
            lines.append(text.removeprefix("$ python manage.py "))
    return lines


def test_the_docs_show_command_lines():
    assert len(documented_lines()) >= 10


@pytest.mark.parametrize("line", documented_lines())
def test_each_documented_command_line_parses(line):
    name, *argv = shlex.split(line)
    command = load_command_class("django_ses", name)
    parser = command.create_parser("manage.py", name)

    options = parser.parse_args(argv)

    assert options is not None


def test_verbosity_after_the_action_is_read():
    parser = load_command_class("django_ses", "ses_suppression_list").create_parser(
        "manage.py", "ses_suppression_list"
    )
    assert parser.parse_args(["push", "--dry-run", "-v", "2"]).verbosity == 2
    assert parser.parse_args(["-v", "0", "push"]).verbosity == 0
