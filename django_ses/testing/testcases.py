"""The local SES for ``unittest`` and Django's ``TestCase``::

    from django.test import TestCase
    from django_ses.testing.testcases import LocalSESMixin

    class WelcomeMailTests(LocalSESMixin, TestCase):
        def test_welcome_mail(self):
            ...
            (sent,) = self.local_ses.sent_messages()

The mixin starts the session's local SES once (shared with the pytest
plugin), empties it before each test and points django_ses's settings and
boto3 at it. ``self.verify_sender()`` verifies a sender domain;
``self.post_ses_event(record)`` posts a signed SNS event to the webhook.
"""

from __future__ import annotations

from typing import Any

import boto3

from django_ses.testing.server import REGION, LocalSES
from django_ses.testing.session import fresh, pointed_at, session_local_ses
from django_ses.testing.sns import post_event

__all__ = ["LocalSESMixin"]


class LocalSESMixin:
    """Put before ``TestCase`` (or ``unittest.TestCase``) in the bases."""

    local_ses: LocalSES

    def setUp(self) -> None:
        self.local_ses = session_local_ses()
        fresh(self.local_ses)
        context = pointed_at(self.local_ses)
        context.__enter__()
        self.addCleanup(context.__exit__, None, None, None)  # type: ignore[attr-defined]
        super().setUp()  # type: ignore[misc]

    def verify_sender(self, domain: str = "example.com") -> str:
        """Verify ``domain`` in the local SES; return ``sender@<domain>``."""
        client = boto3.client("ses", region_name=REGION, endpoint_url=self.local_ses.url)
        client.verify_domain_identity(Domain=domain)
        return f"sender@{domain}"

    def post_ses_event(self, record: Any, **kwargs: Any) -> Any:
        """POST ``record`` to the webhook, signed as SNS signs (see :func:`post_event`)."""
        from django.test import Client  # app loading: Django's test client needs the settings

        return post_event(getattr(self, "client", None) or Client(), record, **kwargs)
