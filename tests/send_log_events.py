"""SES event records about a message the tests sent, built from AWS's documented examples."""

from __future__ import annotations

import copy
import json
from pathlib import Path
from typing import Any

FIXTURES = Path(__file__).parent / "fixtures" / "ses_events"

# event name -> (fixture, key of the kind object, key of its recipient list, shape of an entry)
_RECIPIENTS = {
    "bounce": ("bounce", "bouncedRecipients", "object"),
    "complaint": ("complaint", "complainedRecipients", "object"),
    "delivery": ("delivery", "recipients", "string"),
    "delivery_delay": ("deliveryDelay", "delayedRecipients", "object"),
}
_DETAIL_KEYS = {
    "send": "send",
    "reject": "reject",
    "open": "open",
    "click": "click",
    "rendering_failure": "failure",
    "subscription": "subscription",
}


def ses_event(
    name: str, message_id: str, recipients: list[str], *, at: str | None = None, **detail: Any
) -> dict[str, Any]:
    """The example ``name`` record, about ``message_id`` and ``recipients``.

    ``at`` is the event's timestamp; ``detail`` overrides keys of the kind object.
    """
    data: dict[str, Any] = copy.deepcopy(json.loads((FIXTURES / f"{name}.json").read_text()))
    data["mail"]["messageId"] = message_id
    data["mail"]["destination"] = list(recipients)
    if name in _RECIPIENTS:
        key, list_key, shape = _RECIPIENTS[name]
        data[key][list_key] = [{"emailAddress": r} if shape == "object" else r for r in recipients]
    else:
        key = _DETAIL_KEYS[name]
        data.setdefault(key, {})
    if at is not None:
        data[key]["timestamp"] = at
    data[key].update(detail)
    return data
