"""pytest fixtures for the local SES. Enable the plugin in your ``conftest.py``::

    pytest_plugins = ["django_ses.testing.pytest_plugin"]

or run ``pytest -p django_ses.testing.pytest_plugin``. Then:

* ``local_ses``: the session's :class:`~django_ses.testing.LocalSES`, emptied
  for the test, with django_ses's settings and boto3 pointed at it;
* ``ses_identity``: ``sender@example.com``, of a domain verified in it;
* ``ses_events``: a function posting signed SNS events to your webhook
  (:func:`django_ses.testing.sns.post_event` with Django's test client).
"""

from __future__ import annotations

from collections.abc import Callable, Iterator
from typing import Any

import boto3
import pytest

from django_ses.testing.server import REGION, LocalSES
from django_ses.testing.session import fresh, pointed_at, session_local_ses
from django_ses.testing.sns import post_event


@pytest.fixture
def local_ses() -> Iterator[LocalSES]:
    """The local SES, empty, with django_ses pointed at it for this test."""
    local = session_local_ses()
    fresh(local)
    with pointed_at(local):
        yield local


@pytest.fixture
def ses_identity(local_ses: LocalSES) -> str:
    """A sender address of the verified domain ``example.com``."""
    client = boto3.client("ses", region_name=REGION, endpoint_url=local_ses.url)
    client.verify_domain_identity(Domain="example.com")
    return "sender@example.com"


@pytest.fixture
def ses_events(local_ses: LocalSES) -> Callable[..., Any]:
    """``ses_events(record, url="/ses/event-webhook/", topic_arn=...)`` posts a signed event."""
    from django.test import Client  # app loading: Django's test client needs the settings

    client = Client()

    def post(record: Any, **kwargs: Any) -> Any:
        return post_event(client, record, **kwargs)

    return post
