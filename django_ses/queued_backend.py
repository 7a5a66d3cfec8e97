"""``django_ses.queued_backend.QueuedSESBackend``: the backend path stored in queued payloads.

Payloads queued by earlier builds name this path (``"backend"``); it keeps
resolving for their workers. The backend lives in
:mod:`django_ses.backends.queued`; ``django_ses.QueuedSESBackend`` is the
documented path.
"""

from django_ses.backends.queued import QueuedSESBackend

__all__ = ["QueuedSESBackend"]
