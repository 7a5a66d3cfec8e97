"""The suite's local AWS: :class:`django_ses.testing.LocalSES`, under its old names.

``tests.conftest`` starts one for the session; tests get it as the ``aws``
fixture (``aws.calls()``, ``aws.sent_messages()``, ``aws.fail()``…).
"""

from __future__ import annotations

from django_ses.testing import ACCOUNT_ID, DROP, RESET, Call, LocalSES, Response, error_response

LocalAWS = LocalSES

__all__ = ["ACCOUNT_ID", "DROP", "RESET", "Call", "LocalAWS", "Response", "error_response"]
