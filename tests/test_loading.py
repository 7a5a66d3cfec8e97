"""``django_ses.loading.import_class``: import a configured class and check its kind."""

from __future__ import annotations

import pickle

import pytest
from django.core.exceptions import ImproperlyConfigured

from django_ses.exceptions import ClassLoadError, SESError
from django_ses.inbound import BaseHandler, DefaultHandler, SnsHandler
from django_ses.loading import import_class


def load(value):
    return import_class(value, BaseHandler, named_by="MY_SETTING", expected="a handler class.")


def test_a_dotted_path_to_a_subclass_is_imported():
    assert load("django_ses.inbound.SnsHandler") is SnsHandler


def test_a_class_is_accepted_as_it_is():
    assert load(DefaultHandler) is DefaultHandler


@pytest.mark.parametrize("value", ["myproject.Missing", "not a path", "django_ses.inbound.Nope"])
def test_a_path_that_cannot_be_imported_says_which_setting(value):
    with pytest.raises(ClassLoadError, match=r"MY_SETTING = .* can't be imported") as info:
        load(value)
    assert info.value.import_failed
    assert info.value.path == value


@pytest.mark.parametrize("value", ["django_ses.inbound.dispatch_received", "builtins.dict", 42])
def test_something_else_than_a_subclass_says_what_was_expected(value):
    with pytest.raises(ClassLoadError, match="is not a handler class") as info:
        load(value)
    assert not info.value.import_failed


def test_the_error_is_improperly_configured_and_an_ses_error_and_pickles():
    with pytest.raises(ClassLoadError) as info:
        load("myproject.Missing")
    assert isinstance(info.value, ImproperlyConfigured)
    assert isinstance(info.value, SESError)
    copy = pickle.loads(pickle.dumps(info.value))
    assert (str(copy), copy.path, copy.import_failed) == (
        str(info.value),
        "myproject.Missing",
        True,
    )
