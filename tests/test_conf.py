"""django_ses.conf: one table of settings, read by the runtime and the checks alike."""

from __future__ import annotations

import re
from pathlib import Path

import pytest
from django.test import override_settings

from django_ses import conf
from django_ses.conf import SETTINGS, SesSettings, get_setting, raw_setting, set_name, settings

DOCS = Path(__file__).resolve().parent.parent / "docs" / "settings.rst"
README = Path(__file__).resolve().parent.parent / "README.rst"


def test_an_unset_setting_has_the_tables_default() -> None:
    assert get_setting("AWS_SES_TASK_QUEUE_NAME") == "default"
    assert get_setting("DKIM_SELECTOR") == "ses"
    assert get_setting("AWS_SES_EVENT_PROCESSING") == "inline"


@override_settings(AWS_SES_VERIFY_BOUNCE_SIGNATURES=False)
def test_an_alias_is_read_when_the_name_is_not_set() -> None:
    assert get_setting("AWS_SES_VERIFY_EVENT_SIGNATURES") is False
    assert set_name("AWS_SES_VERIFY_EVENT_SIGNATURES") == "AWS_SES_VERIFY_BOUNCE_SIGNATURES"
    assert set_name("AWS_SES_WEBHOOK_SECRET") is None


@override_settings(AWS_DEFAULT_REGION="eu-west-1", AWS_SES_REGION_NAME="ap-south-1")
def test_the_name_wins_over_its_aliases() -> None:
    assert get_setting("AWS_SES_REGION_NAME") == "ap-south-1"


def test_nested_overrides_and_deleted_settings_read_as_django_reads_them(settings) -> None:
    settings.AWS_SES_SNS_MAX_AGE = 60
    with override_settings(AWS_SES_EVENT_PROCESSING="tasks"):
        assert get_setting("AWS_SES_SNS_MAX_AGE") == 60  # from the outer layer
        assert get_setting("AWS_SES_EVENT_PROCESSING") == "tasks"
        with override_settings(AWS_SES_SNS_MAX_AGE=5):
            assert get_setting("AWS_SES_SNS_MAX_AGE") == 5
    del settings.AWS_SES_SNS_MAX_AGE
    assert get_setting("AWS_SES_SNS_MAX_AGE") is None
    assert get_setting("AWS_SES_EVENT_PROCESSING") == "inline"
    assert get_setting("DEFAULT_CHARSET") == "utf-8"  # Django's own default


@override_settings(AWS_SES_AUTO_THROTTLE=None)
def test_a_setting_set_to_none_stays_none() -> None:
    assert get_setting("AWS_SES_AUTO_THROTTLE") is None


@override_settings(AWS_SES_ACCESS_KEY_ID="", AWS_ACCESS_KEY_ID="AKIDFALLBACK")
def test_a_blank_credential_counts_as_unset_but_does_not_fall_through() -> None:
    # The first set name is used: a blank AWS_SES_ACCESS_KEY_ID means "none",
    # it does not silently pick up another account's keys.
    assert get_setting("AWS_SES_ACCESS_KEY_ID") is None
    assert raw_setting("AWS_SES_ACCESS_KEY_ID") == ""


@override_settings(USE_SES_V2=1)
def test_a_coercion_applies_to_set_values() -> None:
    assert get_setting("USE_SES_V2") is True


def test_an_unknown_name_is_an_error_naming_the_table() -> None:
    with pytest.raises(KeyError, match="SETTINGS"):
        raw_setting("AWS_SES_NO_SUCH_SETTING")


@override_settings(AWS_SES_ACCESS_KEY_ID="AKIDSES", AWS_SESSION_TOKEN="token")
def test_the_settings_object_answers_table_and_django_ses_names() -> None:
    assert settings.AWS_SES_ACCESS_KEY_ID == "AKIDSES"
    assert settings.ACCESS_KEY == "AKIDSES"
    assert settings.SESSION_TOKEN == "token"
    assert settings.DKIM_SELECTOR == "ses"
    assert isinstance(settings, SesSettings)
    assert "ACCESS_KEY" in dir(settings)
    with pytest.raises(AttributeError):
        settings.NOT_A_SETTING  # noqa: B018


def test_every_setting_and_alias_is_documented_in_docs_settings_rst() -> None:
    text = DOCS.read_text()
    missing = [name for s in SETTINGS.values() for name in s.names if f"``{name}``" not in text]
    assert missing == []


def test_docs_settings_rst_documents_no_setting_the_table_lacks() -> None:
    known = {name for s in SETTINGS.values() for name in s.names}
    documented = set(re.findall(r"^``((?:AWS|DKIM|USE_SES)[A-Z0-9_]*)``", DOCS.read_text(), re.M))
    assert documented - known == set()


def test_every_setting_is_in_the_readme_settings_list() -> None:
    text = README.read_text()
    assert [s.name for s in SETTINGS.values() if s.name not in text] == []


def test_every_setting_has_a_documentation_group() -> None:
    assert [s.name for s in SETTINGS.values() if not s.group] == []
    assert SETTINGS["DKIM_HEADERS"].default == conf.DEFAULT_DKIM_HEADERS
