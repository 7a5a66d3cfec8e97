"""Whether this thread serves a web request, and how long a send there may wait for the rate.

A send throttled in a web request blocks the response. Between Django's
``request_started`` and ``request_finished`` signals, a send that would wait
longer than ``AWS_SES_THROTTLE_MAX_WAIT`` seconds raises
:class:`~django_ses.exceptions.ThrottleWaitTooLongError` instead (see
:func:`max_wait`). Elsewhere (a task worker, a management command) sends wait
as long as the rate needs.

The flag is a context variable, so it follows a request into the threads of
ASGI's ``sync_to_async``. The receivers are connected when this module is
imported: with ``django_ses`` in ``INSTALLED_APPS``, from the first request on.
"""

from __future__ import annotations

import contextvars
import math
from typing import Any

from django.core.exceptions import ImproperlyConfigured
from django.core.signals import request_finished, request_started

from django_ses.conf import get_setting

__all__ = ["in_web_request", "max_wait"]

_serving: contextvars.ContextVar[bool] = contextvars.ContextVar(
    "django_ses_serving_request", default=False
)


def _request_started(**kwargs: Any) -> None:
    _serving.set(True)


def _request_finished(**kwargs: Any) -> None:
    _serving.set(False)


request_started.connect(_request_started, dispatch_uid="django_ses.web_request.started")
request_finished.connect(_request_finished, dispatch_uid="django_ses.web_request.finished")


def in_web_request() -> bool:
    """True between ``request_started`` and ``request_finished`` in this context."""
    return _serving.get()


def max_wait() -> float | None:
    """How long a send may wait for the rate here, in seconds; ``None``: as long as needed.

    ``AWS_SES_THROTTLE_MAX_WAIT`` in a web request (``None`` there turns the
    limit off); ``None`` outside one.
    """
    if not in_web_request():
        return None
    value = get_setting("AWS_SES_THROTTLE_MAX_WAIT")
    if value is None:
        return None
    if isinstance(value, bool) or not isinstance(value, (int, float)) or not value >= 0:
        raise ImproperlyConfigured(
            f"AWS_SES_THROTTLE_MAX_WAIT must be a number of seconds (>= 0) or None, got {value!r}."
        )
    return float(value) if math.isfinite(value) else None
