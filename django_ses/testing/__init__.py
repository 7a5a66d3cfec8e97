"""A local SES for tests and demos: SES v1, SES v2, SNS and S3 on 127.0.0.1.

Install it with the ``testing`` extra (``pip install 'django-ses[testing]'``),
which brings moto's server. See ``docs/testing.rst``.

* :class:`LocalSES` (:mod:`django_ses.testing.server`): start it, point boto3
  at :attr:`LocalSES.url`, read :meth:`LocalSES.sent_messages` and
  :meth:`LocalSES.calls`, inject faults.
* :mod:`django_ses.testing.pytest_plugin`: the ``local_ses`` fixture.
* :class:`~django_ses.testing.testcases.LocalSESMixin`: the same for
  ``unittest`` and Django's ``TestCase``.
* :mod:`django_ses.testing.sns`: post SNS events, signed, to your webhook.

``import django_ses`` never imports this package, and this package imports
moto only when one of the names below is looked up.
"""

from __future__ import annotations

import importlib
from typing import Any

__all__ = [
    "ACCOUNT_ID",
    "DROP",
    "REGION",
    "RESET",
    "Call",
    "LocalSES",
    "Quota",
    "Response",
    "SentMessage",
    "error_response",
    "parse",
]

_HOMES = {
    "ACCOUNT_ID": "server",
    "DROP": "calls",
    "REGION": "server",
    "RESET": "calls",
    "Call": "calls",
    "LocalSES": "server",
    "Quota": "ses",
    "Response": "calls",
    "SentMessage": "sent",
    "error_response": "wire",
    "parse": "sent",
}


def __getattr__(name: str) -> Any:
    if name not in _HOMES:
        raise AttributeError(f"module {__name__!r} has no attribute {name!r}")
    return getattr(importlib.import_module(f"{__name__}.{_HOMES[name]}"), name)
