"""The email policies the renderer uses write exactly what the email package's own write.

:mod:`django_ses.sending.email_policy` stands in for ``email.policy.compat32``
(Django 5.2's messages) and ``email.policy.SMTP`` (Django 6.0 and later) to
render faster; these tests hold it to the same output, header by header and
for whole messages.
"""

from __future__ import annotations

import datetime as dt
import email.headerregistry
import email.policy
import random
import string
from typing import Any

import django
import pytest
from django.core.mail import EmailMultiAlternatives

from django_ses.sending import email_policy, mime
from tests.email_headers import FOLDING_SETTINGS, standard_header

STOCK_COMPAT32 = email.policy.compat32.clone(linesep="\r\n")
FAST_COMPAT32 = email_policy.COMPAT32.clone(linesep="\r\n")

EDGE_VALUES = [
    "",
    " ",
    "a",
    "plain value",
    " leading space",
    "trailing space ",
    "trailing tab\t",
    "two  spaces",
    "a\ttab",
    "=?utf-8?q?looks_encoded?=",
    'Jane Doe <jane@example.com>, "Doe, John" <john@example.com>',
    "x" * 71,
    "x" * 72,
    "x" * 73,
    "word " * 14 + "end",
    "word " * 15 + "end",
    "word " * 40,
    "line\nbreak",
    "line\r\nbreak",
    "vertical\x0btab",
    "form\x0cfeed",
    "group\x1dseparator",
    "del\x7fchar",
    "Zoë <zoe@example.com>",
    "\udcff surrogate",
    "semi;colons;only;" * 6,
]
NAMES = ["Subject", "To", "X-A-Rather-Long-Header-Name-For-Folding", "X", "Content-Type"]


def random_values(count: int) -> list[str]:
    rng = random.Random(20261207)
    alphabet = string.ascii_letters + string.digits + ' \t;,<>@"=?.-' + "é"
    values = []
    for _ in range(count):
        length = rng.choice([rng.randint(0, 12), rng.randint(60, 90), rng.randint(0, 200)])
        values.append("".join(rng.choice(alphabet) for _ in range(length)))
    return values


@pytest.mark.parametrize("name", NAMES)
def test_the_legacy_stand_in_folds_every_edge_case_as_the_email_package(name: str) -> None:
    for value in EDGE_VALUES:
        assert FAST_COMPAT32.fold_binary(name, value) == STOCK_COMPAT32.fold_binary(name, value)
        assert FAST_COMPAT32.fold(name, value) == STOCK_COMPAT32.fold(name, value)


def test_the_legacy_stand_in_folds_random_values_as_the_email_package() -> None:
    values = random_values(3000)
    for index, value in enumerate(values):
        name = NAMES[index % len(NAMES)]
        assert FAST_COMPAT32.fold_binary(name, value) == STOCK_COMPAT32.fold_binary(name, value)


def test_the_legacy_stand_in_keeps_the_line_length_it_is_given() -> None:
    value = "word " * 30 + "end"
    for length in (None, 0, 40, 78, 998):
        fast = email_policy.COMPAT32.clone(linesep="\r\n", max_line_length=length)
        stock = email.policy.compat32.clone(linesep="\r\n", max_line_length=length)
        assert fast.fold_binary("Subject", value) == stock.fold_binary("Subject", value)
    assert len(FAST_COMPAT32.fold_binary("Subject", value).split(b"\r\n")) > 2


def test_the_legacy_stand_in_folds_header_objects_as_the_email_package() -> None:
    value: Any = email.header.Header("Zoë et le café " * 8, "utf-8", header_name="Subject")
    assert FAST_COMPAT32.fold_binary("Subject", value) == STOCK_COMPAT32.fold_binary(
        "Subject", value
    )


def test_the_registry_makes_each_header_class_once() -> None:
    registry = email_policy.CachingHeaderRegistry()
    first = registry("To", "jane@example.com")
    second = registry("to", "john@example.com")
    assert type(first) is type(second)
    assert issubclass(type(first), email.headerregistry.AddressHeader)
    assert issubclass(type(first), email.headerregistry.BaseHeader)
    assert str(second) == "john@example.com"
    assert second.name == "to"


def test_the_registry_parses_a_repeated_short_value_once() -> None:
    registry = email_policy.CachingHeaderRegistry()
    first = registry("Content-Type", 'text/plain; charset="utf-8"')
    assert registry("Content-Type", 'text/plain; charset="utf-8"') is first
    assert first.params["charset"] == "utf-8"
    # Another spelling of the name is another header (its name is written as given).
    assert registry("content-type", 'text/plain; charset="utf-8"') is not first


def test_the_registry_parses_a_long_value_every_time() -> None:
    registry = email_policy.CachingHeaderRegistry()
    value = "x" * (email_policy.PARSED_CACHE_VALUE + 1)
    first = registry("Subject", value)
    again = registry("Subject", value)
    assert first is not again
    assert str(first) == str(again) == value


def test_the_registry_forgets_what_it_made_when_a_class_is_mapped() -> None:
    class Custom(email.headerregistry.UnstructuredHeader):
        pass

    registry = email_policy.CachingHeaderRegistry()
    before = registry("X-Custom", "value")
    registry.map_to_type("X-Custom", Custom)
    after = registry("X-Custom", "value")
    assert not isinstance(before, Custom)
    assert isinstance(after, Custom)


def test_the_registry_gives_headers_equal_to_the_standard_ones() -> None:
    ours = email_policy.CachingHeaderRegistry()
    standard = email.headerregistry.HeaderRegistry()
    for name, value in [
        ("From", "Zoë <zoe@exämple.com>"),
        ("Date", "Mon, 07 Dec 2026 23:14:31 -0000"),
        ("Content-Type", "multipart/mixed"),
        ("Subject", "Hello " * 30),
    ]:
        made, expected = ours(name, value), standard(name, value)
        assert str(made) == str(expected)
        assert made.fold(policy=email.policy.SMTP) == expected.fold(policy=email.policy.SMTP)


def test_a_header_keeps_its_folding_for_the_same_settings_only() -> None:
    header = email_policy.SMTP.header_factory("Subject", "word " * 30 + "end")
    narrow = email_policy.SMTP.clone(max_line_length=40)
    stock_narrow = email.policy.SMTP.clone(max_line_length=40)
    assert email_policy.SMTP.fold("Subject", header) == email.policy.SMTP.fold("Subject", header)
    # A clone with the same settings (the generator makes one per part) reuses it.
    same = email_policy.SMTP.clone(linesep="\r\n")
    assert same.fold("Subject", header) == email.policy.SMTP.fold("Subject", header)
    # Other settings fold it again, as the standard policy does.
    assert narrow.fold("Subject", header) == stock_narrow.fold("Subject", header)
    assert narrow.fold("Subject", header) != email_policy.SMTP.fold("Subject", header)
    assert email_policy.SMTP.fold("Subject", header) == email.policy.SMTP.fold("Subject", header)


def test_a_policy_works_out_its_settings_once_and_a_clone_its_own() -> None:
    policy = email_policy.SMTP.clone(max_line_length=60)
    assert policy._settings() is policy._settings()
    assert ("max_line_length", 60) in policy._settings()
    narrower = policy.clone(max_line_length=30)
    assert ("max_line_length", 30) in narrower._settings()
    assert ("max_line_length", 60) in policy._settings()


def test_the_modern_stand_in_has_the_settings_of_the_standard_smtp_policy() -> None:
    for setting in ("linesep", "max_line_length", "utf8", "refold_source", "cte_type"):
        assert getattr(email_policy.SMTP, setting) == getattr(email.policy.SMTP, setting)
    assert email_policy.SMTP.content_manager is email.policy.SMTP.content_manager


def messages() -> list[EmailMultiAlternatives]:
    plain = EmailMultiAlternatives(
        "Order 1 confirmed", "Hello\n", "Shop <shop@example.com>", ["jane@example.com"]
    )
    rich = EmailMultiAlternatives(
        "Zoë's café order, with a subject long enough to fold over several lines " * 2,
        "Bonjour Zoë,\n" + "une ligne assez longue pour être coupée " * 10 + "\n",
        '"Le café, Paris" <cafe@example.com>',
        ["Zoë <zoe@exämple.com>", "john@example.com"],
        cc=["Cc Person <cc@example.com>"],
        reply_to=["replies@example.com"],
        headers={"X-Campaign": "winter  sale ", "List-Id": "<news.example.com>"},
    )
    rich.attach_alternative("<p>Bonjour <b>Zoë</b></p>", "text/html")
    rich.attach("reçu.pdf", b"%PDF-1.4 binary \x00\xff" * 50, "application/pdf")
    rich.attach("notes.txt", "plain text attachment\n", "text/plain")
    return [plain, rich]


def fixed_boundaries(part: Any) -> None:
    for index, sub in enumerate(part.walk()):
        if sub.get_content_maintype() == "multipart":
            sub.set_boundary(f"==============={index:019d}==")


@pytest.mark.skipif(django.VERSION >= (6, 0), reason="Django 5.2's messages carry compat32")
@pytest.mark.parametrize("index", [0, 1])
def test_a_django_5_message_is_written_as_django_writes_it(index: int) -> None:
    built = messages()[index].message()
    fixed_boundaries(built)
    assert built.policy is email.policy.compat32
    written: Any = built
    assert mime._serialize(built) == written.as_bytes(linesep="\r\n")


@pytest.mark.skipif(django.VERSION < (6, 0), reason="Django 6.0 builds with the modern API")
@pytest.mark.parametrize("index", [0, 1])
def test_a_django_6_message_is_written_as_with_the_standard_policy(index: int) -> None:
    build: Any = EmailMultiAlternatives.message
    ours = build(messages()[index], policy=email_policy.SMTP)
    standard = build(messages()[index], policy=email.policy.SMTP)
    for built in (ours, standard):
        del built["Date"], built["Message-ID"]
        built["Date"], built["Message-ID"] = "Mon, 07 Dec 2026 23:14:31 -0000", "<1@example>"
        fixed_boundaries(built)
    assert mime._serialize(ours) == mime._serialize(standard)


@pytest.mark.skipif(django.VERSION < (6, 0), reason="Django 6.0 builds with the modern API")
def test_messages_built_for_sending_share_the_headers_they_have_in_common() -> None:
    first, second = (mime._build(message) for message in messages())
    assert first.policy is email_policy.SMTP
    assert first["MIME-Version"] is second["MIME-Version"]
    assert first["Subject"] is not second["Subject"]


def test_a_rendered_message_still_carries_every_header_it_should() -> None:
    raw = mime.render_mime(messages()[1], message_id="<fixed@example.com>")
    parsed = email.message_from_bytes(raw, policy=email.policy.default)
    assert parsed["Message-ID"] == "<fixed@example.com>"
    assert "Zoë" in str(parsed["Subject"])
    assert parsed["X-Campaign"].strip() == "winter  sale"
    assert [a.get_filename() for a in parsed.iter_attachments()] == ["reçu.pdf", "notes.txt"]
    assert b"\r\n\r\n" in raw and b"\n" not in raw.replace(b"\r\n", b"")


DATES = [
    dt.datetime(2026, 12, 8, 1, 19, 50, 667307, tzinfo=dt.timezone.utc),
    dt.datetime(2026, 12, 8, 1, 19, 50, 1, tzinfo=dt.timezone(dt.timedelta(hours=5, minutes=30))),
    dt.datetime(2026, 3, 29, 2, 30, 0, tzinfo=dt.timezone(-dt.timedelta(hours=7))),
    dt.datetime(2026, 12, 8, 1, 19, 50),  # naive: written -0000
]


@pytest.mark.parametrize("when", DATES)
def test_a_date_set_to_a_datetime_is_the_header_the_standard_registry_makes(when: Any) -> None:
    ours = email_policy.SMTP.header_factory("Date", when)
    standard = standard_header("Date", when)
    assert str(ours) == str(standard)
    assert type(ours).__name__ == type(standard).__name__
    assert ours.datetime is when and standard.datetime is when
    assert ours.defects == standard.defects == ()
    for settings in FOLDING_SETTINGS:
        stock = email.policy.SMTP.clone(**settings)
        assert email_policy.SMTP.clone(**settings).fold("Date", ours) == stock.fold(
            "Date", standard
        )
        assert ours.fold(policy=stock) == standard.fold(policy=stock)


def test_dates_within_one_second_share_the_parse_of_the_date_as_written() -> None:
    first = email_policy.SMTP.header_factory("Date", DATES[0])
    second = email_policy.SMTP.header_factory("Date", DATES[0].replace(microsecond=3))
    assert str(first) == str(second)
    assert first._parse_tree is second._parse_tree
    assert (first.datetime.microsecond, second.datetime.microsecond) == (667307, 3)


def test_a_datetime_under_another_header_name_is_refused_as_by_the_standard_registry() -> None:
    with pytest.raises(TypeError):
        standard_header("X-When", DATES[0])
    with pytest.raises(TypeError):
        email_policy.SMTP.header_factory("X-When", DATES[0])
