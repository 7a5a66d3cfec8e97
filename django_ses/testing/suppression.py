"""SES v2's account-level suppression list, which moto's server lacks.

Serves ``ListSuppressedDestinations`` (paged by ``PageSize``/``NextToken``,
filtered by ``Reasons`` and the ``StartDate``/``EndDate`` of the last update;
an unknown token is ``InvalidNextTokenException``), ``GetSuppressedDestination``,
``PutSuppressedDestination`` and ``DeleteSuppressedDestination``. A message to
a suppressed address is accepted and bounces, as in SES.
"""

from __future__ import annotations

import datetime as dt
import threading
from collections.abc import Callable
from typing import Any

from django_ses.testing.calls import Call
from django_ses.testing.wire import SESError

__all__ = ["SuppressionList"]

REASONS = ("BOUNCE", "COMPLAINT")


class SuppressionList:
    """Addresses by lower-cased address: ``(address, reason, last update)``."""

    def __init__(self) -> None:
        self._lock = threading.Lock()
        self._entries: dict[str, tuple[str, str, dt.datetime]] = {}

    def add(self, address: str, reason: str = "BOUNCE") -> None:
        """Suppress ``address`` (a test's setup, or ``PutSuppressedDestination``)."""
        if reason not in REASONS:
            raise SESError("BadRequestException", "Reason must be BOUNCE or COMPLAINT")
        with self._lock:
            self._entries[address.lower()] = (address, reason, dt.datetime.now(dt.timezone.utc))

    def clear(self) -> None:
        with self._lock:
            self._entries.clear()

    def is_suppressed(self, address: str) -> bool:
        with self._lock:
            return address.lower() in self._entries

    @property
    def entries(self) -> dict[str, tuple[str, dt.datetime]]:
        """``{address: (reason, last update)}``."""
        with self._lock:
            return {a: (r, w) for a, r, w in self._entries.values()}

    def handlers(self) -> dict[str, Callable[[Call, dict[str, Any]], dict[str, Any]]]:
        return {
            "ListSuppressedDestinations": self._list,
            "GetSuppressedDestination": self._get,
            "PutSuppressedDestination": self._put,
            "DeleteSuppressedDestination": self._delete,
        }

    def _list(self, call: Call, params: dict[str, Any]) -> dict[str, Any]:
        size = int(params.get("PageSize") or 1000)
        token = str(params.get("NextToken") or "0")
        if not token.isdigit():
            raise SESError("InvalidNextTokenException", "The NextToken is not valid")
        start = int(token)
        reasons = set(params.get("Reasons") or [])
        after, before = _moment(params.get("StartDate")), _moment(params.get("EndDate"))
        with self._lock:
            rows = sorted(
                (address, reason, when)
                for address, reason, when in self._entries.values()
                if (not reasons or reason in reasons)
                and (after is None or when >= after)
                and (before is None or when <= before)
            )
        page = rows[start : start + size]
        body: dict[str, Any] = {
            "SuppressedDestinationSummaries": [
                {"EmailAddress": a, "Reason": r, "LastUpdateTime": w} for a, r, w in page
            ]
        }
        if start + size < len(rows):
            body["NextToken"] = str(start + size)
        return body

    def _found(self, address: str) -> tuple[str, str, dt.datetime]:
        with self._lock:
            found = self._entries.get(address.lower())
        if found is None:
            raise SESError("NotFoundException", f"{address} is not on the suppression list", 404)
        return found

    def _get(self, call: Call, params: dict[str, Any]) -> dict[str, Any]:
        address, reason, when = self._found(params["EmailAddress"])
        return {
            "SuppressedDestination": {
                "EmailAddress": address,
                "Reason": reason,
                "LastUpdateTime": when,
            }
        }

    def _put(self, call: Call, params: dict[str, Any]) -> dict[str, Any]:
        self.add(params["EmailAddress"], params["Reason"])
        return {}

    def _delete(self, call: Call, params: dict[str, Any]) -> dict[str, Any]:
        address, _, _ = self._found(params["EmailAddress"])
        with self._lock:
            self._entries.pop(address.lower(), None)
        return {}


def _moment(value: Any) -> dt.datetime | None:
    """A ``StartDate``/``EndDate`` of the query string (botocore sends ISO 8601)."""
    if value is None or value == "":
        return None
    if isinstance(value, dt.datetime):
        moment = value
    else:
        try:
            moment = dt.datetime.fromisoformat(str(value).replace("Z", "+00:00"))
        except ValueError:
            moment = dt.datetime.fromtimestamp(float(value), dt.timezone.utc)
    return moment if moment.tzinfo else moment.replace(tzinfo=dt.timezone.utc)
