"""``run.py --smoke``: drive the running example like a person would, then report.

Sends mail through the Send page, waits (bounded) for the mailbox simulator's
events to reach the webhook, receives one incoming email through the Inbound
page, and opens the dashboard as the demo superuser. Each check prints ok,
skipped (with the reason) or FAILED; the exit status is 1 when any check failed.
"""

from __future__ import annotations

import os
import subprocess
import sys
import time
import traceback
import urllib.parse
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path

import requests
from demo.models import ReceivedEmail, ReceivedEvent
from django.conf import settings
from django.core.mail import EmailMessage, get_connection
from django.urls import reverse
from local_ses import running

from django_ses.models import BlacklistedEmail, SentMessageEvent, SentRecipient, SESStat
from django_ses.testing import SentMessage

SUCCESS = "success@simulator.amazonses.com"
BOUNCE = "bounce@simulator.amazonses.com"
WAIT_SECONDS = 20.0


class Skip(Exception):
    """The check cannot run because an earlier one failed; the message says why."""


@dataclass
class Result:
    name: str
    outcome: str  # "ok", "skipped", "FAILED"
    detail: str


def wait_for(condition: Callable[[], bool], what: str, seconds: float = WAIT_SECONDS) -> None:
    deadline = time.monotonic() + seconds
    while not condition():
        if time.monotonic() > deadline:
            raise AssertionError(f"{what}: not seen within {seconds:.0f} s")
        time.sleep(0.1)


class Smoke:
    def __init__(self, base_url: str, username: str, password: str) -> None:
        self.base_url = base_url
        self.username = username
        self.password = password
        self.http = requests.Session()
        self.sent_message_ids: list[str] = []

    def url(self, path: str) -> str:
        return self.base_url + path

    def post_form(self, path: str, data: dict[str, str], **kwargs: object) -> requests.Response:
        """POST a form the way a browser does: with the CSRF cookie and token."""
        self.http.get(self.url(path), timeout=30).raise_for_status()
        payload = {**data, "csrfmiddlewaretoken": self.http.cookies["csrftoken"]}
        return self.http.post(
            self.url(path), data=payload, allow_redirects=False, timeout=60, **kwargs
        )

    # -- checks --------------------------------------------------------------------
    def pages_render(self) -> str:
        paths = ["/", reverse("demo:send"), reverse("demo:accepted"), reverse("demo:events")]
        paths.append(reverse("demo:inbound"))
        for path in paths:
            response = self.http.get(self.url(path), timeout=30)
            assert response.status_code == 200, f"GET {path}: {response.status_code}"
        send_page = self.http.get(self.url(reverse("demo:send")), timeout=30).text
        assert "Why sends are paced" in send_page and "recipients per second" in send_page
        return f"{len(paths)} pages answer 200; the Send page explains the pacing"

    def forms_refuse_line_breaks(self) -> str:
        for path, form in (
            (
                reverse("demo:inbound"),
                {
                    "route": "sns",
                    "mail_from": "ada@example.org",
                    "subject": "Hi\r\nBcc: x@example.org",
                    "text": "t",
                },
            ),
            (
                reverse("demo:send"),
                {
                    "from_email": settings.DEFAULT_FROM_EMAIL,
                    "to": "a@example.org\r\nBcc: x@example.org",
                    "subject": "Hi\r\nX: y",
                    "text": "t",
                },
            ),
        ):
            response = self.post_form(path, form)
            assert response.status_code == 200, f"POST {path}: {response.status_code}"
            assert "without line breaks" in response.text, f"POST {path}: no form error"
        return "a subject or address with CR/LF gets a form error, not a 500"

    def send_through_the_page(self) -> str:
        before = len(_sent())
        for index, to in enumerate((SUCCESS, BOUNCE)):
            form = {
                "from_email": settings.DEFAULT_FROM_EMAIL,
                "to": to,
                "cc": "",
                "bcc": "hidden@example.com",
                "subject": f"Smoke test {index}",
                "text": "Plain text body",
                "html": "<p>HTML body</p>",
            }
            files = {"attachment": ("notes.txt", b"attached text\n", "text/plain")}
            response = self.post_form(reverse("demo:send"), form, files=files)
            assert response.status_code == 302, (
                f"sending to {to}: the page answered {response.status_code}, not a redirect:\n"
                + _messages_in(response.text)
            )
            assert "/timeline/" in response.headers["Location"], response.headers["Location"]
        accepted = _sent()[before:]
        assert len(accepted) == 2, f"the local SES accepted {len(accepted)} messages, not 2"
        for message, to in zip(accepted, (SUCCESS, BOUNCE), strict=True):
            destinations = " ".join(message.destinations)
            assert to in destinations and "hidden@example.com" in destinations, destinations
            assert message.raw is not None and b"hidden@example.com" not in message.raw
            assert b"notes.txt" in message.raw, "the attachment is missing from the MIME"
            self.sent_message_ids.append(message.message_id)
        page = self.http.get(self.url(reverse("demo:accepted")), timeout=30).text
        assert all(message_id in page for message_id in self.sent_message_ids)
        return f"SES accepted {', '.join(self.sent_message_ids)} (Bcc only in the envelope)"

    def unsubscribe_link_works(self) -> str:
        """The Accepted page links a sent message's List-Unsubscribe URL; using it blacklists."""
        to = "reader@example.org"
        form = {
            "from_email": settings.DEFAULT_FROM_EMAIL,
            "to": to,
            "subject": "Smoke unsubscribe",
            "text": "News you can unsubscribe from",
            "unsubscribe": "on",
        }
        response = self.post_form(reverse("demo:send"), form)
        assert response.status_code == 302, _messages_in(response.text)
        sent = _sent()[-1]
        header = str(sent.message["List-Unsubscribe"])
        assert sent.message["List-Unsubscribe-Post"] == "List-Unsubscribe=One-Click", sent.raw
        link = header.strip("<>")
        page = self.http.get(self.url(reverse("demo:accepted")), timeout=30).text
        assert f'href="{link}"' in page, "the Accepted page does not link the unsubscribe URL"
        confirm = self.http.get(link, timeout=30)
        assert confirm.status_code == 200 and to in confirm.text, confirm.status_code
        # What a mail client does: POST the one-click body, no cookie, no CSRF token.
        done = requests.post(link, data={"List-Unsubscribe": "One-Click"}, timeout=30)
        assert done.status_code == 200, f"the one-click POST answered {done.status_code}"
        assert "Back to what SES received" in done.text, "not the example's own done page"
        entry = BlacklistedEmail.objects.get(email=to)
        assert entry.reason == "unsubscribed", entry.reason
        page = self.http.get(self.url(reverse("demo:accepted")), timeout=30).text
        assert f'<code>{to}</code> <span class="muted">(blacklisted)</span>' in page
        again = self.post_form(reverse("demo:send"), form)
        assert again.status_code == 200, f"sending again answered {again.status_code}"
        assert "every recipient is on the blacklist" in _messages_in(again.text), again.text[:500]
        return (
            f"{to} used the List-Unsubscribe link of {sent.message_id}: blacklisted (unsubscribed)"
        )

    def events_reach_the_webhook(self) -> str:
        if not self.sent_message_ids:
            raise Skip("no message was sent")

        expected = {("delivery", SUCCESS), ("bounce", BOUNCE)}

        def arrived() -> bool:
            seen = {
                (event.event_type, recipient)
                for event in ReceivedEvent.objects.filter(message_id__in=self.sent_message_ids)
                for recipient in event.recipients
            }
            return expected <= seen

        wait_for(arrived, "a delivery event for success@ and a bounce event for bounce@")
        page = self.http.get(self.url(reverse("demo:events")), timeout=30).text
        assert all(message_id in page for message_id in self.sent_message_ids)
        return "delivery (success@) and bounce (bounce@) arrived through SNS and the webhook"

    def timeline_fills_in(self) -> str:
        if not self.sent_message_ids:
            raise Skip("no message was sent")
        final = (("delivered", SUCCESS), ("bounced", BOUNCE))
        expected = dict(zip(self.sent_message_ids, final, strict=True))

        def filled_in() -> bool:
            for message_id, (state, recipient) in expected.items():
                path = reverse("demo:timeline", args=[message_id])
                page = self.http.get(self.url(path), timeout=30)
                assert page.status_code == 200, f"GET {path}: {page.status_code}"
                if f'<tr data-state="{state}"><td><code>{recipient}' not in page.text:
                    return False
            return True

        wait_for(filled_in, "the timeline pages showing success@ delivered and bounce@ bounced")
        rows = SentRecipient.objects.filter(message_id__in=self.sent_message_ids)
        states = {(r.recipient, r.state) for r in rows}
        assert {(SUCCESS, "delivered"), (BOUNCE, "bounced")} <= states, states
        events = SentMessageEvent.objects.filter(message_id__in=self.sent_message_ids)
        kinds = sorted({e.event_type for e in events})
        return f"the send log's timelines show delivered and bounced ({', '.join(kinds)} events)"

    def suppressed_before_sending(self) -> str:
        local = running()
        assert local is not None, "the local SES is not running in this process"
        address = f"gone-{time.time_ns()}@example.org"
        local.ses.suppression.add(address, "BOUNCE")
        before = len(_sent())
        form = {
            "from_email": settings.DEFAULT_FROM_EMAIL,
            "to": address,
            "subject": "To a suppressed address",
            "text": "Never sent",
        }
        response = self.post_form(reverse("demo:send"), form)
        assert response.status_code == 200, f"the Send page answered {response.status_code}"
        assert "SES suppression list" in _messages_in(response.text), _messages_in(response.text)
        assert len(_sent()) == before, "the local SES accepted a message to a suppressed address"
        looked_up = [
            c
            for c in local.calls("sesv2", "GetSuppressedDestination")
            if address in urllib.parse.unquote(c.raw_path)
        ]
        assert len(looked_up) == 1, f"{len(looked_up)} lookups of {address}, not 1"
        return f"{address} (on the SES suppression list) was left out: nothing sent"

    def bounce_is_blacklisted(self) -> str:
        if not self.sent_message_ids:
            raise Skip("no message was sent")
        wait_for(
            lambda: BlacklistedEmail.objects.filter(email=BOUNCE).exists(),
            f"{BOUNCE} on the blacklist",
        )
        return f"{BOUNCE} was blacklisted after its permanent bounce"

    def inbound_mail_arrives_through_sns(self) -> str:
        return self._receive("sns", settings.EXAMPLE_INBOUND_ADDRESS, "SNS")

    def inbound_mail_arrives_through_s3(self) -> str:
        return self._receive("s3", settings.EXAMPLE_INBOUND_S3_ADDRESS, "S3")

    def _receive(self, route: str, address: str, action: str) -> str:
        subject = f"Smoke inbound {route} {time.time_ns()}"
        form = {
            "route": route,
            "mail_from": "Ada <ada@example.org>",
            "subject": subject,
            "text": "Hello from the smoke test",
            "with_attachment": "on",
        }
        response = self.post_form(reverse("demo:inbound"), form)
        assert response.status_code == 302, f"the Inbound page answered {response.status_code}"
        wait_for(
            lambda: ReceivedEmail.objects.filter(subject=subject).exists(), "the received mail"
        )
        mail = ReceivedEmail.objects.get(subject=subject)
        assert mail.to == [address], mail.to
        assert mail.action == action, mail.action
        assert "Hello from the smoke test" in mail.text, mail.text
        assert [a["filename"] for a in mail.attachments] == ["order-1042.txt"], mail.attachments
        return f"received mail for {address}, with its attachment, through an {action} action"

    def many_recipients_in_calls_of_50(self) -> str:
        local = running()
        assert local is not None, "the local SES is not running in this process"
        before = len(local.calls("ses", "SendRawEmail"))
        bcc = [f"reader{n}@example.org" for n in range(120)]
        message = EmailMessage("Newsletter", "Hello", settings.DEFAULT_FROM_EMAIL, bcc=bcc)
        started = time.monotonic()
        sent = get_connection().send_messages([message])
        took = time.monotonic() - started
        calls = local.calls("ses", "SendRawEmail")[before:]
        accepted = [m for m in _sent() if m.id in message.ses_status.message_ids]
        assert sent == 1, f"send_messages returned {sent}: {message.ses_status}"
        assert len(calls) == 3, f"{len(calls)} SendRawEmail calls, not 3"
        assert [len(m.destinations) for m in accepted] == [50, 50, 20], accepted
        return f"120 recipients went out in 3 accepted calls (50, 50, 20) in {took:.1f} s"

    def templated_bulk_send(self) -> str:
        local = running()
        assert local is not None, "the local SES is not running in this process"
        before = len(local.calls("sesv2", "SendBulkEmail"))
        response = self.post_form(reverse("demo:bulk"), {})
        assert response.status_code == 200, f"the Bulk page answered {response.status_code}"
        calls = local.calls("sesv2", "SendBulkEmail")[before:]
        assert len(calls) == 1, f"{len(calls)} SendBulkEmail calls, not 1"
        rendered = [r for r in local.ses.templates.rendered if r.operation == "SendBulkEmail"]
        subjects = sorted(r.subject for r in rendered)
        assert "Your Gold plan, Sam" in subjects, subjects
        assert 'id="results"' in response.text and "sent" in response.text
        links = {r.headers.get("List-Unsubscribe") for r in rendered}
        assert None not in links and len(links) == len(rendered), "not one link per recipient"
        ids = [r.message_id for r in rendered]

        def delivered() -> bool:
            return ReceivedEvent.objects.filter(message_id__in=ids, event_type="delivery").exists()

        wait_for(delivered, "a delivery event for the bulk message to success@")
        return f"one SendBulkEmail call rendered {len(rendered)} messages: {', '.join(subjects)}"

    def manage_py_reaches_the_local_ses(self) -> str:
        local = running()
        assert local is not None, "the local SES is not running in this process"
        before = len(local.calls("ses", "GetSendStatistics"))
        manage = Path(__file__).resolve().parent / "manage.py"
        env = {**os.environ, "EXAMPLE_LOCAL_SES_URL": local.url}
        done = subprocess.run(
            [sys.executable, str(manage), "get_ses_statistics"],
            env=env,
            capture_output=True,
            text=True,
            timeout=60,
            stdin=subprocess.DEVNULL,
        )
        assert done.returncode == 0, done.stderr
        after = len(local.calls("ses", "GetSendStatistics"))
        assert after == before + 1, "manage.py get_ses_statistics did not reach the local SES"
        return "example/manage.py get_ses_statistics reached the local SES"

    def dashboard_renders(self) -> str:
        login = reverse("admin:login")
        response = self.post_form(
            login, {"username": self.username, "password": self.password, "next": "/admin/"}
        )
        assert response.status_code == 302, f"admin login answered {response.status_code}"
        response = self.http.get(self.url(reverse("django_ses_stats")), timeout=60)
        assert response.status_code == 200, f"dashboard answered {response.status_code}"
        return "the dashboard renders for the demo superuser"

    def statistics_are_stored(self) -> str:
        if not self.sent_message_ids:
            raise Skip("no message was sent, so there are no statistics to show")
        stat = SESStat.objects.order_by("-date").first()
        assert stat is not None, "get_ses_statistics stored no SESStat row after sending"
        assert stat.delivery_attempts >= len(self.sent_message_ids), stat.delivery_attempts
        assert stat.bounces >= 1, f"the simulator's bounce is not counted: {stat.bounces}"
        return (
            f"get_ses_statistics stored {stat.delivery_attempts} delivery attempts and "
            f"{stat.bounces} bounces for {stat.date}"
        )


def _sent() -> list[SentMessage]:
    local = running()
    assert local is not None, "the local SES is not running in this process"
    return local.sent_messages()


def _messages_in(html: str) -> str:
    start = html.find('<ul class="messages">')
    return html[start : html.find("</ul>", start)] if start >= 0 else html[:500]


def run_smoke(base_url: str, *, username: str, password: str) -> int:
    smoke = Smoke(base_url, username, password)
    checks: list[tuple[str, Callable[[], str]]] = [
        ("pages render", smoke.pages_render),
        ("forms refuse line breaks", smoke.forms_refuse_line_breaks),
        ("send through the page", smoke.send_through_the_page),
        ("events reach the webhook", smoke.events_reach_the_webhook),
        ("timeline fills in", smoke.timeline_fills_in),
        ("suppressed before sending", smoke.suppressed_before_sending),
        ("unsubscribe link works", smoke.unsubscribe_link_works),
        ("bounce is blacklisted", smoke.bounce_is_blacklisted),
        ("inbound mail arrives through SNS", smoke.inbound_mail_arrives_through_sns),
        ("inbound mail arrives through S3", smoke.inbound_mail_arrives_through_s3),
        ("120 recipients in 3 calls", smoke.many_recipients_in_calls_of_50),
        ("templated bulk send", smoke.templated_bulk_send),
        ("manage.py reaches the local SES", smoke.manage_py_reaches_the_local_ses),
        ("dashboard renders", smoke.dashboard_renders),
        ("statistics are stored", smoke.statistics_are_stored),
    ]
    results = []
    for name, check in checks:
        started = time.monotonic()
        try:
            results.append(Result(name, "ok", check()))
        except Skip as reason:
            results.append(Result(name, "skipped", str(reason)))
        except Exception as error:
            detail = f"{type(error).__name__}: {error}"
            if not isinstance(error, AssertionError):
                detail += "\n" + traceback.format_exc()
            results.append(Result(name, "FAILED", detail))
        result = results[-1]
        elapsed = time.monotonic() - started
        print(f"[{result.outcome:^7}] {result.name} ({elapsed:.1f} s): {result.detail}", flush=True)
    failed = [result for result in results if result.outcome == "FAILED"]
    skipped = [result for result in results if result.outcome == "skipped"]
    print(
        f"smoke summary: {len(results) - len(failed) - len(skipped)} ok, "
        f"{len(skipped)} skipped, {len(failed)} FAILED",
        flush=True,
    )
    print("SMOKE FAILED" if failed else "SMOKE OK", flush=True)
    return 1 if failed else 0
