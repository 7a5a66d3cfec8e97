"""The README's first command: ``example/run.py`` against a local SES.

``run.py --smoke`` starts the example exactly as the README's command does (a
local SES, the database, the site on 127.0.0.1), drives its pages like a person
would, prints one line per check and exits 0 only when every check passed. It
runs once per test module; each test below reads one of its checks.
"""

from __future__ import annotations

import subprocess
import sys
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parent.parent


@pytest.fixture(scope="module")
def smoke() -> subprocess.CompletedProcess[str]:
    return subprocess.run(
        [sys.executable, str(ROOT / "example" / "run.py"), "--smoke"],
        cwd=ROOT,
        capture_output=True,
        text=True,
        timeout=120,
        stdin=subprocess.DEVNULL,
    )


def _report(smoke: subprocess.CompletedProcess[str]) -> str:
    return f"stdout:\n{smoke.stdout[-6000:]}\nstderr:\n{smoke.stderr[-6000:]}"


def _assert_passed(smoke: subprocess.CompletedProcess[str], check: str) -> None:
    assert f"[  ok   ] {check} (" in smoke.stdout, f"{check!r} did not pass\n{_report(smoke)}"


def test_the_example_starts_and_exits_0(smoke: subprocess.CompletedProcess[str]) -> None:
    assert smoke.returncode == 0, _report(smoke)
    assert "SMOKE OK" in smoke.stdout, _report(smoke)


def test_every_page_renders(smoke: subprocess.CompletedProcess[str]) -> None:
    _assert_passed(smoke, "pages render")


def test_mail_sent_from_the_page_reaches_the_local_ses(
    smoke: subprocess.CompletedProcess[str],
) -> None:
    _assert_passed(smoke, "send through the page")


def test_simulator_events_reach_the_webhook(smoke: subprocess.CompletedProcess[str]) -> None:
    _assert_passed(smoke, "events reach the webhook")


def test_a_sent_messages_unsubscribe_link_blacklists_its_recipient(
    smoke: subprocess.CompletedProcess[str],
) -> None:
    _assert_passed(smoke, "unsubscribe link works")


def test_a_bounced_address_is_blacklisted(smoke: subprocess.CompletedProcess[str]) -> None:
    _assert_passed(smoke, "bounce is blacklisted")


def test_inbound_mail_through_an_sns_action_reaches_the_signal_receiver(
    smoke: subprocess.CompletedProcess[str],
) -> None:
    _assert_passed(smoke, "inbound mail arrives through SNS")


def test_inbound_mail_through_an_s3_action_reaches_the_signal_receiver(
    smoke: subprocess.CompletedProcess[str],
) -> None:
    _assert_passed(smoke, "inbound mail arrives through S3")


def test_the_dashboard_renders_for_the_demo_superuser(
    smoke: subprocess.CompletedProcess[str],
) -> None:
    _assert_passed(smoke, "dashboard renders")


def test_sending_stores_statistics_for_the_dashboard(
    smoke: subprocess.CompletedProcess[str],
) -> None:
    _assert_passed(smoke, "statistics are stored")


def test_120_recipients_go_out_in_3_accepted_calls_in_the_demo_configuration(
    smoke: subprocess.CompletedProcess[str],
) -> None:
    _assert_passed(smoke, "120 recipients in 3 calls")


def test_the_demo_forms_refuse_line_breaks_with_a_form_error(
    smoke: subprocess.CompletedProcess[str],
) -> None:
    _assert_passed(smoke, "forms refuse line breaks")


def test_manage_py_commands_reach_the_demo_local_ses(
    smoke: subprocess.CompletedProcess[str],
) -> None:
    _assert_passed(smoke, "manage.py reaches the local SES")


def test_a_templated_bulk_message_goes_out_in_one_call_and_its_events_arrive(
    smoke: subprocess.CompletedProcess[str],
) -> None:
    _assert_passed(smoke, "templated bulk send")


def test_with_events_through_sqs_the_simulator_events_still_arrive() -> None:
    smoke = subprocess.run(
        [sys.executable, str(ROOT / "example" / "run.py"), "--smoke", "--events-via", "sqs"],
        cwd=ROOT,
        capture_output=True,
        text=True,
        timeout=120,
        stdin=subprocess.DEVNULL,
    )

    assert "SES events reach the project through SQS" in smoke.stdout, _report(smoke)
    _assert_passed(smoke, "events reach the webhook")
    _assert_passed(smoke, "bounce is blacklisted")
    assert smoke.returncode == 0, _report(smoke)


def test_a_sent_messages_timeline_fills_in_as_events_arrive(
    smoke: subprocess.CompletedProcess[str],
) -> None:
    _assert_passed(smoke, "timeline fills in")


def test_a_recipient_on_the_ses_suppression_list_is_left_out(
    smoke: subprocess.CompletedProcess[str],
) -> None:
    _assert_passed(smoke, "suppressed before sending")
