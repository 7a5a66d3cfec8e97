"""A :class:`~django_ses.sending.template.TemplateSpec` as JSON, for the task queue. Pure.

Task arguments must be JSON-serialisable: :func:`spec_to_json` writes a spec
(attachments base64-encoded) and :func:`spec_from_json` reads it back,
raising :class:`~django_ses.exceptions.InvalidMessageError` for anything it
did not write.
"""

from __future__ import annotations

import base64
import binascii
import json
from collections.abc import Mapping
from typing import Any

from django_ses.exceptions import InvalidMessageError
from django_ses.sending.template import Personalisation, TemplateSpec

__all__ = ["spec_from_json", "spec_to_json"]


def spec_to_json(spec: TemplateSpec) -> dict[str, Any]:
    """The JSON-safe form of ``spec``; ``esp_extra`` values must be JSON themselves."""
    data = {
        "name": spec.name,
        "arn": spec.arn,
        "content": dict(spec.content) if spec.content is not None else None,
        "data": spec.data,
        "headers": [list(pair) for pair in spec.headers],
        "reply_to": list(spec.reply_to),
        "attachments": [
            {**a, "RawContent": base64.b64encode(a["RawContent"]).decode("ascii")}
            for a in spec.attachments
        ],
        "personalisations": {
            destination: {
                "data": own.data,
                "headers": [list(pair) for pair in own.headers],
                "tags": dict(own.tags),
            }
            for destination, own in spec.personalisations.items()
        },
        "tracking": dict(spec.tracking),
        "api_extra": dict(spec.api_extra),
    }
    try:
        json.dumps(data)
    except (TypeError, ValueError) as error:
        raise InvalidMessageError(
            f"The templated message cannot be queued: esp_extra / ses_api_extra is not "
            f"JSON-serialisable ({error})."
        ) from error
    return data


def spec_from_json(data: Any) -> TemplateSpec:
    """Read what :func:`spec_to_json` wrote."""
    if not isinstance(data, Mapping):
        raise InvalidMessageError("The queued template is not a mapping.")
    try:
        return TemplateSpec(
            name=data.get("name"),
            arn=data.get("arn"),
            content=data.get("content"),
            data=str(data.get("data", "{}")),
            headers=tuple((str(n), str(v)) for n, v in data.get("headers", ())),
            reply_to=tuple(str(a) for a in data.get("reply_to", ())),
            attachments=tuple(
                {**a, "RawContent": base64.b64decode(a["RawContent"], validate=True)}
                for a in data.get("attachments", ())
            ),
            personalisations={
                str(destination): Personalisation(
                    data=own.get("data"),
                    headers=tuple((str(n), str(v)) for n, v in own.get("headers", ())),
                    tags={str(k): str(v) for k, v in own.get("tags", {}).items()},
                )
                for destination, own in data.get("personalisations", {}).items()
            },
            tracking=dict(data.get("tracking", {})),
            api_extra=dict(data.get("api_extra", {})),
        )
    except (AttributeError, KeyError, TypeError, ValueError, binascii.Error) as error:
        raise InvalidMessageError(f"The queued template cannot be read: {error!r}") from error
