"""``manage.py blacklist``: the local blacklist from the command line."""

from __future__ import annotations

import csv
import io
import subprocess
import sys
from pathlib import Path

import pytest
from django.core.management import CommandError, call_command

from django_ses.models import BlacklistedEmail

pytestmark = pytest.mark.django_db
ROOT = Path(__file__).resolve().parent.parent


class Terminal(io.StringIO):
    """An output stream that says it is a terminal."""

    def isatty(self) -> bool:
        return True


def _run(*args: str, verbosity: int = 1, stdout=None) -> tuple[str, str]:
    out, err = stdout or io.StringIO(), io.StringIO()
    call_command("blacklist", *args, verbosity=verbosity, stdout=out, stderr=err)
    return out.getvalue(), err.getvalue()


def _emails() -> list[str]:
    return list(BlacklistedEmail.objects.order_by("email").values_list("email", flat=True))


def _fill(count: int) -> None:
    BlacklistedEmail.objects.bulk_create(
        BlacklistedEmail(email=f"user{n:03d}@example.com") for n in range(count)
    )


# -- add / delete -----------------------------------------------------------------------------
def test_add_normalises_and_stores_addresses(db):
    out, _ = _run("--add", "Jane <Jane@Example.COM>", "bob@example.com")
    assert _emails() == ["bob@example.com", "jane@example.com"]
    assert BlacklistedEmail.objects.get(email="bob@example.com").reason == "manual"
    assert "Added 2 addresses" in out


def test_add_records_the_given_reason(db):
    _run("--add", "a@example.com", "--reason", "complaint")
    assert BlacklistedEmail.objects.get().reason == "complaint"


def test_adding_a_blacklisted_address_again_is_harmless(db):
    _run("--add", "a@example.com")
    out, _ = _run("--add", "A@example.com")
    assert _emails() == ["a@example.com"]
    assert "already blacklisted" in out and "Added 0 addresses" in out


@pytest.mark.parametrize("bad", ["not-an-address", "a@example.com, b@example.com", "@example.com"])
def test_invalid_addresses_are_rejected_and_nothing_is_added(db, bad):
    with pytest.raises(CommandError):
        _run("--add", "good@example.com", bad)
    assert _emails() == []


def test_delete_removes_addresses_and_warns_about_unknown_ones(db):
    BlacklistedEmail.objects.create(email="a@example.com")
    out, err = _run("--delete", "A@Example.com", "zed@example.com")
    assert _emails() == []
    assert "Removed 1 address" in out
    assert "zed@example.com is not blacklisted" in err


# -- list -------------------------------------------------------------------------------------
# django-ses's format, which scripts parse: one header line, then one address per line,
# oldest first; --page starts at 1; --limit 0 lists everything.
def test_list_pages_through_the_blacklist(db):
    _fill(25)
    out, err = _run("--list", "--page", "2", "--limit", "10")
    assert out.splitlines() == ["Listing blacklisted emails:"] + [
        f"user{n:03d}@example.com" for n in range(10, 20)
    ]
    assert "Page 2 of 3 (25 addresses)" in err


def test_page_1_is_the_first(db):
    _fill(3)
    out, _ = _run("-l", "--page", "1", "--limit", "2")
    assert out.splitlines()[1:] == ["user000@example.com", "user001@example.com"]


def test_the_list_is_in_the_order_addresses_were_blacklisted(db):
    BlacklistedEmail.objects.create(email="zed@example.com")
    BlacklistedEmail.objects.create(email="amy@example.com")
    out, _ = _run("--list")
    assert out.splitlines()[1:] == ["zed@example.com", "amy@example.com"]


def test_limit_0_lists_every_address(db):
    _fill(1200)
    out, _ = _run("--list", "--limit", "0")
    assert len(out.splitlines()) == 1 + 1200


def test_the_default_limit_is_1000_as_in_django_ses(db):
    _fill(1001)
    out, err = _run("--list")
    assert len(out.splitlines()) == 1 + 1000
    assert "Page 1 of 2" in err


def test_list_is_the_default(db):
    _fill(2)
    out, _ = _run()
    assert out.splitlines() == [
        "Listing blacklisted emails:",
        "user000@example.com",
        "user001@example.com",
    ]


def test_search_filters_the_list(db):
    _fill(3)
    BlacklistedEmail.objects.create(email="jane@other.org")
    out, _ = _run("-s", "OTHER.org")
    assert out.splitlines() == ["Searching blacklisted emails:", "jane@other.org"]


def test_an_empty_list_prints_only_the_header_on_stdout(db):
    out, err = _run("--list")
    assert out.splitlines() == ["Listing blacklisted emails:"]
    assert "No blacklisted addresses." in err


def test_a_page_out_of_range_counts_the_addresses_that_matched(db):
    _fill(2)
    BlacklistedEmail.objects.create(email="jane@other.org")
    with pytest.raises(CommandError) as raised:
        _run("--list", "--search", "example.com", "--page", "2", "--limit", "50")
    assert str(raised.value) == (
        "Page 2 is out of range: 2 blacklisted addresses matching 'example.com' fit on page 1."
    )


def test_a_page_out_of_range_of_one_address_says_it_fits(db):
    _fill(1)
    with pytest.raises(CommandError) as raised:
        _run("--list", "--page", "3")
    assert str(raised.value) == "Page 3 is out of range: 1 blacklisted address fits on page 1."


def test_a_page_out_of_range_of_several_pages_counts_pages_of_the_limit(db):
    _fill(5)
    with pytest.raises(CommandError) as raised:
        _run("--list", "--page", "4", "--limit", "2")
    assert str(raised.value) == (
        "Page 4 is out of range: 5 blacklisted addresses fill pages 1 to 3 (2 per page)."
    )


def test_a_page_out_of_range_with_limit_0_says_all_fit_on_page_1(db):
    _fill(3)
    with pytest.raises(CommandError) as raised:
        _run("--list", "--page", "2", "--limit", "0")
    assert str(raised.value) == "Page 2 is out of range: 3 blacklisted addresses fit on page 1."


@pytest.mark.parametrize(
    "search,error",
    [
        (None, "Page 2 is out of range: the blacklist is empty."),
        ("nobody", "Page 2 is out of range: no blacklisted address matches 'nobody'."),
    ],
)
def test_a_page_out_of_range_of_nothing_says_nothing_matched(db, search, error):
    args = ["--list", "--page", "2", *(["--search", search] if search else [])]
    with pytest.raises(CommandError) as raised:
        _run(*args)
    assert str(raised.value) == error


@pytest.mark.parametrize("flag,value", [("--page", "0"), ("--limit", "-1"), ("--page", "x")])
def test_non_positive_page_or_limit_is_an_error(db, flag, value):
    with pytest.raises(CommandError):
        _run("--list", flag, value)


def test_format_table_lists_reason_date_and_source(db):
    BlacklistedEmail.objects.create(email="a@example.com", reason="bounce", source="msg-1")
    out, _ = _run("--format", "table")
    header, row = out.splitlines()
    assert header == "email\treason\tcreated\tsource"
    assert row.startswith("a@example.com\tbounce\t")
    assert row.endswith("\tmsg-1")


def test_verbosity_0_prints_only_the_addresses(db):
    _fill(2)
    assert _run(verbosity=0) == ("user000@example.com\nuser001@example.com\n", "")
    assert _run("--add", "x@example.com", verbosity=0) == ("", "")


def test_short_flags_of_django_ses_add_and_delete(db):
    _run("-a", "x@example.com")
    assert _emails() == ["x@example.com"]
    _run("-d", "x@example.com")
    assert _emails() == []


# -- import / export --------------------------------------------------------------------------
def test_import_reads_addresses_reasons_and_sources_from_csv(db, tmp_path):
    path = tmp_path / "in.csv"
    path.write_text(
        "email,reason,source\nJane@Example.com,bounce,msg-1\nbob@example.com,,\n"
        "jane@example.com,complaint,dup\n",
        encoding="utf-8",
    )
    out, _ = _run("--import", str(path))
    assert _emails() == ["bob@example.com", "jane@example.com"]
    jane = BlacklistedEmail.objects.get(email="jane@example.com")
    assert (jane.reason, jane.source) == ("bounce", "msg-1")
    assert BlacklistedEmail.objects.get(email="bob@example.com").reason == "manual"
    assert "Imported 2 addresses: 2 new, 0 already blacklisted." in out


def test_import_with_invalid_rows_imports_nothing_and_names_the_lines(db, tmp_path):
    path = tmp_path / "in.csv"
    path.write_text("good@example.com\nnot-an-address\nx@example.com,weird\n", encoding="utf-8")
    with pytest.raises(CommandError) as info:
        _run("--import", str(path))
    assert "line 2" in str(info.value) and "line 3" in str(info.value)
    assert "--skip-invalid" in str(info.value)
    assert _emails() == []


def test_import_can_skip_invalid_rows(db, tmp_path):
    path = tmp_path / "in.csv"
    path.write_text("good@example.com\nnot-an-address\n", encoding="utf-8")
    _, err = _run("--import", str(path), "--skip-invalid")
    assert _emails() == ["good@example.com"]
    assert "Skipped line 2" in err


def test_import_of_a_missing_file_is_an_error(db, tmp_path):
    with pytest.raises(CommandError, match="Cannot open"):
        _run("--import", str(tmp_path / "missing.csv"))


def test_export_writes_csv_that_imports_back(db, tmp_path):
    BlacklistedEmail.objects.create(email="a@example.com", reason="bounce", source="m-1")
    BlacklistedEmail.objects.create(email="b@example.com", reason="complaint")
    path = tmp_path / "out.csv"
    out, _ = _run("--export", str(path))
    rows = list(csv.reader(path.open(encoding="utf-8")))
    assert rows[0] == ["email", "reason", "source", "created_at", "updated_at"]
    assert [r[:3] for r in rows[1:]] == [
        ["a@example.com", "bounce", "m-1"],
        ["b@example.com", "complaint", ""],
    ]
    assert "Exported 2 addresses" in out
    BlacklistedEmail.objects.all().delete()
    _run("--import", str(path))
    assert sorted(BlacklistedEmail.objects.values_list("email", "reason")) == [
        ("a@example.com", "bounce"),
        ("b@example.com", "complaint"),
    ]


def test_export_to_standard_output(db):
    BlacklistedEmail.objects.create(email="a@example.com")
    out, _ = _run("--export", "-")
    rows = list(csv.reader(io.StringIO(out)))
    assert rows[1][0] == "a@example.com"


def test_import_shows_a_progress_bar_in_a_terminal(db, tmp_path):
    path = tmp_path / "in.csv"
    path.write_text("".join(f"u{n}@example.com\n" for n in range(1200)), encoding="utf-8")
    terminal = Terminal()
    _run("--import", str(path), stdout=terminal)
    shown = terminal.getvalue()
    assert "\rImporting [" in shown and "1,200/1,200" in shown
    assert BlacklistedEmail.objects.count() == 1200


def test_no_progress_bar_when_output_is_not_a_terminal(db, tmp_path):
    path = tmp_path / "in.csv"
    path.write_text("a@example.com\n", encoding="utf-8")
    out, _ = _run("--import", str(path))
    assert "\r" not in out


def test_bad_input_exits_non_zero_without_a_traceback():
    result = subprocess.run(
        [sys.executable, "-m", "django", "blacklist", "--add", "not-an-address"],
        cwd=ROOT,
        env={"DJANGO_SETTINGS_MODULE": "tests.settings", "PYTHONPATH": str(ROOT), "PATH": ""},
        capture_output=True,
        text=True,
        timeout=60,
    )
    assert result.returncode == 1
    assert "not a valid email address" in result.stderr
    assert "Traceback" not in result.stderr
