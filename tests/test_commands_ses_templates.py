"""``manage.py ses_templates``: SES templates as data, through SES API v2 on the local SES."""

from __future__ import annotations

import io
from pathlib import Path

import pytest
from django.core.management import CommandError, call_command

from tests.ses_templates import LocalTemplates


@pytest.fixture
def local(aws) -> LocalTemplates:
    return LocalTemplates(aws).install()


def run(*args: str, verbosity: int = 1) -> str:
    out = io.StringIO()
    call_command("ses_templates", *args, verbosity=verbosity, stdout=out, stderr=io.StringIO())
    return out.getvalue()


def write(folder: Path, files: dict[str, str]) -> Path:
    for name, text in files.items():
        (folder / name).write_text(text, encoding="utf-8")
    return folder


def test_put_creates_then_updates_a_template(local, tmp_path):
    body = write(tmp_path, {"body.txt": "Hello {{name}}"}) / "body.txt"

    assert "created" in run("put", "welcome", "--subject", "Hi {{name}}", "--text-file", str(body))
    assert local.templates["welcome"] == {"Subject": "Hi {{name}}", "Text": "Hello {{name}}"}

    assert "updated" in run("put", "welcome", "--subject", "Hey", "--text-file", str(body))
    assert local.templates["welcome"]["Subject"] == "Hey"


def test_list_and_show(local):
    local.templates.update({"b": {"Subject": "B", "Html": "<p>b</p>"}, "a": {"Subject": "A"}})

    assert run("list").split() == ["a", "b"]
    shown = run("show", "b")
    assert "Subject: B" in shown
    assert "<p>b</p>" in shown


def test_list_follows_pages(local):
    local.templates.update({f"t{i:02}": {"Subject": "s", "Text": "t"} for i in range(25)})

    assert len(run("list").split()) == 25


def test_delete_and_a_missing_template(local):
    local.templates["old"] = {"Subject": "s", "Text": "t"}

    assert "deleted" in run("delete", "old")
    assert "old" not in local.templates
    with pytest.raises(CommandError, match="no template named 'old'"):
        run("delete", "old")
    with pytest.raises(CommandError, match="no template named 'old'"):
        run("show", "old")


def test_render_shows_what_ses_renders_and_a_missing_variable_is_a_command_error(local):
    local.templates["welcome"] = {"Subject": "Hi {{name}}", "Text": "Hello {{name}}"}

    assert "Hello Alice" in run("render", "welcome", "--data", '{"name": "Alice"}')
    with pytest.raises(CommandError, match="'name' is not present"):
        run("render", "welcome", "--data", "{}")
    with pytest.raises(CommandError, match="--data is not JSON"):
        run("render", "welcome", "--data", "{nope")


def test_sync_creates_updates_and_reports_unchanged(local, tmp_path):
    write(
        tmp_path,
        {
            "welcome.subject.txt": "Welcome {{name}}\n",
            "welcome.txt": "Hello {{name}}",
            "welcome.html": "<p>Hello {{name}}</p>",
            "receipt.subject.txt": "Receipt",
            "receipt.html": "<p>{{total}}</p>",
        },
    )
    local.templates["receipt"] = {"Subject": "Old", "Html": "<p>old</p>"}

    dry = run("sync", str(tmp_path), "--dry-run")
    assert "welcome: would be created" in dry
    assert "welcome" not in local.templates

    out = run("sync", str(tmp_path))
    assert "receipt: updated" in out
    assert "welcome: created" in out
    assert local.templates["welcome"] == {
        "Subject": "Welcome {{name}}",
        "Text": "Hello {{name}}",
        "Html": "<p>Hello {{name}}</p>",
    }
    assert "0 changed" in run("sync", str(tmp_path))


@pytest.mark.parametrize(
    ("files", "error"),
    [
        ({"notes.md": "x"}, "not a template file"),
        ({"welcome.txt": "x"}, "welcome.subject.txt is missing"),
        ({"welcome.subject.txt": "x"}, "give welcome.txt, welcome.html or both"),
        ({"bad name.txt": "x", "bad name.subject.txt": "s"}, "not a valid SES template name"),
        ({}, "holds no templates"),
    ],
)
def test_sync_refuses_a_bad_folder_before_any_call(aws, local, tmp_path, files, error):
    write(tmp_path, files)

    with pytest.raises(CommandError, match=error):
        run("sync", str(tmp_path))

    assert aws.calls("sesv2") == []


@pytest.mark.parametrize(
    ("args", "error"),
    [
        (("show", "no/slash"), "not a valid SES template name"),
        (("put", "x", "--subject", "s"), "Give --text-file"),
        (
            ("put", "x", "--subject", "s", "--text-file", "/nonexistent"),
            "Cannot read the text file",
        ),
        (("sync", "/nonexistent"), "is not a folder"),
    ],
)
def test_bad_arguments_are_command_errors(local, args, error):
    with pytest.raises(CommandError, match=error):
        run(*args)


def test_list_of_no_templates_says_so_on_stderr_only(local):
    out, err = io.StringIO(), io.StringIO()
    call_command("ses_templates", "list", stdout=out, stderr=err)
    assert (out.getvalue(), err.getvalue()) == ("", "SES has no templates.\n")
