"""``manage.py get_ses_statistics``: store SES's sending statistics, one row per UTC day."""

from __future__ import annotations

from typing import Any

from django.core.management.base import CommandError

from django_ses.exceptions import StatsError
from django_ses.management.commands._output import VerboseCommand, counted
from django_ses.reporting.clients import v1_client
from django_ses.reporting.data import aggregate_daily, statistics_window_start
from django_ses.reporting.fetch import fetch_send_statistics
from django_ses.reporting.store import store_daily_stats


def stat_factory() -> dict[str, int]:
    """django-ses's empty day of counts (kept for code that imports it)."""
    return {"delivery_attempts": 0, "bounces": 0, "complaints": 0, "rejects": 0}


class Command(VerboseCommand):
    help = (
        "Fetch the last two weeks of SES sending statistics (GetSendStatistics, API v1) and "
        "store them as one SESStat row per UTC day. Safe to run repeatedly: unchanged days "
        "stay as they are, changed counts are updated. Run it daily, shortly after midnight UTC."
    )

    def handle(self, *args: Any, **options: Any) -> None:
        try:
            points = fetch_send_statistics(v1_client())
        except StatsError as error:
            raise CommandError(str(error)) from error
        days = aggregate_daily(points)
        summary = store_daily_stats(days, window_start=statistics_window_start())
        if self.verbosity >= 2:
            by_date = {day.date: day for day in days}
            for label, dates in (
                ("created", summary.created),
                ("updated", summary.updated),
                ("unchanged", summary.unchanged),
            ):
                for date in dates:
                    day = by_date[date]
                    self.say(
                        f"{date.isoformat()}  {label:<9}  attempts={day.delivery_attempts} "
                        f"bounces={day.bounces} complaints={day.complaints} rejects={day.rejects}"
                    )
            for date in summary.skipped:
                self.say(f"{date.isoformat()}  skipped    SES only has part of this day left")
        if not days:
            self.say("SES has no sending statistics for the last two weeks.")
            return
        self.say(
            self.style.SUCCESS(
                f"Stored sending statistics for {counted(summary.total, 'day', 'days')}: "
                f"{len(summary.created)} new, {len(summary.updated)} updated, "
                f"{len(summary.unchanged)} unchanged."
            )
        )
