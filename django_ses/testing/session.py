"""One local SES per test session, shared by the pytest plugin and the TestCase mixin.

:func:`session_local_ses` starts it on first use, points boto3 at it through
the environment (dummy credentials: a test never reaches AWS) and stops it
when the process exits. :func:`pointed_at` points django_ses's settings at
it, and :func:`fresh` empties it between tests.
"""

from __future__ import annotations

import atexit
import threading
from collections.abc import Iterator
from contextlib import contextmanager

import django
from django.test.utils import override_settings

from django_ses import caches
from django_ses.testing.environment import point_boto3_at, restore
from django_ses.testing.server import LocalSES

__all__ = ["fresh", "pointed_at", "session_local_ses"]

_lock = threading.Lock()
_session: LocalSES | None = None


def session_local_ses() -> LocalSES:
    """The session's local SES, started (and boto3 pointed at it) on first use."""
    global _session
    with _lock:
        if _session is None:
            local = LocalSES()
            local.start()
            previous = point_boto3_at(local.url)
            atexit.register(_stop, local, previous)
            _session = local
        return _session


def _stop(local: LocalSES, previous: dict[str, str | None]) -> None:
    local.stop()
    restore(previous)


@contextmanager
def pointed_at(local: LocalSES) -> Iterator[LocalSES]:
    """Inside the block, Django sends through django_ses, and django_ses reaches ``local``.

    Django's test runner (and pytest-django) replace the email backend with
    ``locmem``; this puts :class:`django_ses.SESBackend` back.
    """
    backend = "django_ses.SESBackend"
    mailers = {"MAILERS": {"default": {"BACKEND": backend}}} if django.VERSION >= (6, 1) else {}
    with override_settings(AWS_SES_REGION_ENDPOINT_URL=local.url, EMAIL_BACKEND=backend, **mailers):
        yield local


def fresh(local: LocalSES) -> None:
    """Forget what ``local`` received, and django_ses's cached quotas and rate limiters."""
    local.reset()
    caches.clear_all()
