"""``django_ses.backend.SESBackend``: the dotted path django-ses users put in ``EMAIL_BACKEND``.

The backend lives in :mod:`django_ses.backends.ses`; ``django_ses.SESBackend``
is the documented path.
"""

from django_ses.backends.ses import SESBackend

__all__ = ["SESBackend"]
