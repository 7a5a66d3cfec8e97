"""The admin of django_ses's models (django_ses.admin)."""

from __future__ import annotations

import csv
import datetime as dt
import io
import zipfile

import pytest
from django.urls import reverse

from django_ses.models import BlacklistedEmail, FailedInboundEmail, SESStat, SNSNotification

pytestmark = pytest.mark.django_db


@pytest.fixture
def admin_client(client, django_user_model):
    user = django_user_model.objects.create_superuser("root", "root@example.com", None)
    client.force_login(user)
    return client


def _stat(day: dt.date, attempts: int, bounces: int = 0, complaints: int = 0) -> SESStat:
    return SESStat.objects.create(
        date=day, delivery_attempts=attempts, bounces=bounces, complaints=complaints, rejects=0
    )


def _csv_rows(response) -> list[list[str]]:
    return list(csv.reader(io.StringIO(response.content.decode())))


def _run_action(client, model: str, action: str, pks) -> object:
    return client.post(
        reverse(f"admin:django_ses_{model}_changelist"),
        {"action": action, "_selected_action": [str(pk) for pk in pks]},
    )


# -- SESStat ----------------------------------------------------------------------------------
def test_sesstat_changelist_shows_rates_and_links_the_dashboard(admin_client):
    _stat(dt.date(2026, 11, 1), 1000, bounces=60)
    response = admin_client.get(reverse("admin:django_ses_sesstat_changelist"))
    html = response.content.decode()
    assert response.status_code == 200
    assert "6.00 %" in html and "<strong" in html  # over the 5 % review threshold
    assert reverse("django_ses_stats") in html


def test_sesstat_changelist_has_date_hierarchy_and_search(admin_client):
    _stat(dt.date(2026, 10, 5), 10)
    _stat(dt.date(2026, 11, 5), 20)
    url = reverse("admin:django_ses_sesstat_changelist")
    drilled = admin_client.get(url, {"date__year": "2026", "date__month": "10"})
    assert "2026-10-05" in drilled.content.decode() or "Oct. 5, 2026" in drilled.content.decode()
    assert drilled.context["cl"].result_count == 1
    searched = admin_client.get(url, {"q": "2026-11"})
    assert searched.context["cl"].result_count == 1


def test_sesstat_rate_filter_keeps_days_near_or_over_a_review_threshold(admin_client):
    healthy = _stat(dt.date(2026, 11, 1), 1000, bounces=5)
    near = _stat(dt.date(2026, 11, 2), 1000, bounces=30)  # 3 %: near 5 %
    over = _stat(dt.date(2026, 11, 3), 1000, complaints=2)  # 0.2 %: over 0.1 %
    _stat(dt.date(2026, 11, 4), 0)
    url = reverse("admin:django_ses_sesstat_changelist")
    alarming = admin_client.get(url, {"rates": "alarming"}).context["cl"].result_list
    assert {s.pk for s in alarming} == {near.pk, over.pk}
    over_only = admin_client.get(url, {"rates": "over"}).context["cl"].result_list
    assert {s.pk for s in over_only} == {over.pk}
    assert healthy.pk not in {s.pk for s in alarming}


def test_sesstat_rows_come_from_ses_so_they_cannot_be_added_or_edited(admin_client):
    stat = _stat(dt.date(2026, 11, 1), 5)
    assert admin_client.get(reverse("admin:django_ses_sesstat_add")).status_code == 403
    change = admin_client.post(
        reverse("admin:django_ses_sesstat_change", args=[stat.pk]),
        {"delivery_attempts": "999"},
    )
    stat.refresh_from_db()
    assert stat.delivery_attempts == 5
    assert change.status_code in (302, 403) or b"999" not in change.content


def test_sesstat_csv_export_downloads_the_selected_days(admin_client):
    first = _stat(dt.date(2026, 11, 1), 100, bounces=2)
    _stat(dt.date(2026, 11, 2), 200)
    response = _run_action(admin_client, "sesstat", "export_as_csv", [first.pk])
    assert response["Content-Type"].startswith("text/csv")
    assert "attachment" in response["Content-Disposition"]
    rows = _csv_rows(response)
    assert rows[0][:5] == ["date", "delivery_attempts", "bounces", "complaints", "rejects"]
    assert rows[1][:5] == ["2026-11-01", "100", "2", "0", "0"]
    assert len(rows) == 2


# -- BlacklistedEmail -------------------------------------------------------------------------
def _add_blacklisted(client, email: str, reason: str = "manual"):
    return client.post(
        reverse("admin:django_ses_blacklistedemail_add"),
        {"email": email, "reason": reason, "source": ""},
    )


def test_added_addresses_are_normalised(admin_client):
    response = _add_blacklisted(admin_client, "Jane Doe <Jane.Doe@Example.COM>")
    assert response.status_code == 302
    assert list(BlacklistedEmail.objects.values_list("email", flat=True)) == [
        "jane.doe@example.com"
    ]


@pytest.mark.parametrize("bad", ["not-an-address", "two@example.com, three@example.com", ""])
def test_invalid_addresses_are_rejected_with_a_form_error(admin_client, bad):
    response = _add_blacklisted(admin_client, bad)
    assert response.status_code == 200
    assert response.context["adminform"].form.errors["email"]
    assert not BlacklistedEmail.objects.exists()


def test_an_address_blacklisted_in_another_case_is_a_duplicate(admin_client):
    BlacklistedEmail.objects.create(email="jane@example.com")
    response = _add_blacklisted(admin_client, "JANE@example.com")
    assert response.status_code == 200
    assert "already exists" in str(response.context["adminform"].form.errors["email"])
    assert BlacklistedEmail.objects.count() == 1


def test_blacklist_search_finds_addresses_written_with_a_display_name(admin_client):
    BlacklistedEmail.objects.create(email="jane@example.com")
    BlacklistedEmail.objects.create(email="john@example.com")
    url = reverse("admin:django_ses_blacklistedemail_changelist")
    found = admin_client.get(url, {"q": "Jane <JANE@example.com>"}).context["cl"].result_list
    assert [e.email for e in found] == ["jane@example.com"]


def test_blacklist_filters_by_reason_and_drills_down_by_date(admin_client):
    BlacklistedEmail.objects.create(email="a@example.com", reason="bounce")
    BlacklistedEmail.objects.create(email="b@example.com", reason="complaint")
    url = reverse("admin:django_ses_blacklistedemail_changelist")
    by_reason = admin_client.get(url, {"reason__exact": "bounce"}).context["cl"].result_list
    assert [e.email for e in by_reason] == ["a@example.com"]
    today = dt.date.today()
    by_date = admin_client.get(url, {"created_at__year": str(today.year)})
    assert by_date.context["cl"].result_count == 2


def test_blacklist_csv_export_neutralises_spreadsheet_formulas(admin_client):
    entry = BlacklistedEmail.objects.create(
        email="a@example.com", reason="bounce", source="=HYPERLINK(1)"
    )
    rows = _csv_rows(_run_action(admin_client, "blacklistedemail", "export_as_csv", [entry.pk]))
    assert rows[0][:3] == ["email", "reason", "source"]
    assert rows[1][:3] == ["a@example.com", "bounce", "'=HYPERLINK(1)"]


# -- SNSNotification --------------------------------------------------------------------------
def test_event_log_lists_searches_and_shows_payloads_read_only(admin_client):
    note = SNSNotification.objects.create(
        sns_message_id="sns-1",
        sns_type="Notification",
        event_type="bounce",
        ses_message_id="ses-abc",
        recipients=["x@example.com"],
        payload={"eventType": "Bounce", "note": "<b>not html</b>"},
    )
    SNSNotification.objects.create(sns_message_id="sns-2", sns_type="Notification")
    url = reverse("admin:django_ses_snsnotification_changelist")
    found = admin_client.get(url, {"q": "ses-abc"}).context["cl"].result_list
    assert [n.pk for n in found] == [note.pk]
    assert admin_client.get(url, {"event_type": "bounce"}).context["cl"].result_count == 1
    detail = admin_client.get(reverse("admin:django_ses_snsnotification_change", args=[note.pk]))
    html = detail.content.decode()
    assert "x@example.com" in html
    assert "&lt;b&gt;not html&lt;/b&gt;" in html
    assert admin_client.get(reverse("admin:django_ses_snsnotification_add")).status_code == 403


# -- FailedInboundEmail -----------------------------------------------------------------------
RAW = b"From: a@example.com\r\nTo: b@example.com\r\nSubject: hi\r\n\r\nbody\r\n"


def _failed(raw: bytes | None, ses_id: str = "ses-1") -> FailedInboundEmail:
    return FailedInboundEmail.objects.create(
        ses_message_id=ses_id, action_type="SNS", reason="handler raised", raw_message=raw
    )


def test_one_failed_inbound_message_downloads_as_eml(admin_client):
    entry = _failed(RAW)
    response = _run_action(admin_client, "failedinboundemail", "download_raw_messages", [entry.pk])
    assert response["Content-Type"] == "message/rfc822"
    assert 'filename="ses-1.eml"' in response["Content-Disposition"]
    assert response.content == RAW


def test_several_failed_inbound_messages_download_as_a_zip(admin_client):
    first, second = _failed(RAW, "ses-1"), _failed(RAW + b"2", "ses-2")
    response = _run_action(
        admin_client, "failedinboundemail", "download_raw_messages", [first.pk, second.pk]
    )
    assert response["Content-Type"] == "application/zip"
    archive = zipfile.ZipFile(io.BytesIO(response.content))
    contents = sorted(archive.read(name) for name in archive.namelist())
    assert contents == sorted([RAW, RAW + b"2"])


def test_download_without_raw_messages_says_so(admin_client):
    entry = _failed(None)
    response = _run_action(admin_client, "failedinboundemail", "download_raw_messages", [entry.pk])
    assert response.status_code == 302
    follow = admin_client.get(response["Location"])
    assert "has a raw message" in follow.content.decode()


def test_failed_inbound_changelist_marks_entries_with_a_raw_message(admin_client):
    _failed(RAW)
    _failed(None, "ses-2")
    response = admin_client.get(reverse("admin:django_ses_failedinboundemail_changelist"))
    html = response.content.decode()
    assert response.status_code == 200
    assert html.count('alt="True"') == 1 and html.count('alt="False"') == 1
