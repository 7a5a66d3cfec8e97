"""Run in a subprocess by tests/test_api_only_project.py: prints one JSON report."""

import io
import json

import django

django.setup()

from django.core.management import call_command  # noqa: E402
from django.test import Client  # noqa: E402

from django_ses import signals  # noqa: E402

received = []
signals.send_received.connect(
    lambda sender, **kwargs: received.append(kwargs["mail_obj"]), weak=False
)
call_command("migrate", verbosity=0)
errors = io.StringIO()
try:
    call_command("check", "--fail-level", "ERROR", stderr=errors, stdout=io.StringIO())
    check = "ok"
except Exception as error:  # a SystemCheckError names the failing checks
    check = str(error)
record = {
    "eventType": "Send",
    "mail": {
        "messageId": "ses-1",
        "timestamp": "2026-12-01T00:00:00.000Z",
        "source": "a@example.com",
        "destination": ["b@example.com"],
    },
    "send": {},
}
notification = {
    "Type": "Notification",
    "MessageId": "sns-1",
    "TopicArn": "arn:aws:sns:us-east-1:123456789012:ses-events",
    "Message": json.dumps(record),
    "Timestamp": "2026-12-01T00:00:01.000Z",
}
client = Client()
webhook = client.post("/ses/event-webhook/", json.dumps(notification), content_type="text/plain")
dashboard = client.get("/everything/")
print(
    json.dumps(
        {
            "check": check,
            "webhook": webhook.status_code,
            "received": [mail["messageId"] for mail in received],
            "dashboard": dashboard.status_code,
            "dashboard_body": dashboard.content.decode(),
        }
    )
)
