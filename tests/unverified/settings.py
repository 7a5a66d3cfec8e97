"""The test settings with SNS signature verification off, as development settings have it.

For ``tests/test_commands_manage_py.py``, which runs ``python -m django`` with
them on a SQLite file (``UNVERIFIED_PROJECT_DATABASE``).
"""

from __future__ import annotations

import os

from tests.settings import *  # noqa: F403

AWS_SES_VERIFY_EVENT_SIGNATURES = False
AWS_SNS_EVENT_TRUSTED_TOPIC_ARNS = ["arn:aws:sns:us-east-1:123456789012:ses-events"]
DATABASES = {
    "default": {
        "ENGINE": "django.db.backends.sqlite3",
        "NAME": os.environ["UNVERIFIED_PROJECT_DATABASE"],
    }
}
