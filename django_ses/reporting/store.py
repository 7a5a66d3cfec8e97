"""Sending statistics in the database: one :class:`~django_ses.models.SESStat` row per UTC day.

The only module that writes ``SESStat``; :func:`store_daily_stats` is an
idempotent upsert, :func:`stored_history` reads the rows back as
:class:`~django_ses.reporting.data.DailyStat`.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Iterable

from django.db import IntegrityError, transaction

from django_ses.models import SESStat
from django_ses.reporting.data import DailyStat, UpsertSummary

__all__ = ["store_daily_stats", "stored_history"]


def stored_history(since: dt.date | None = None) -> list[DailyStat]:
    """Stored ``SESStat`` rows from ``since`` on, oldest first."""
    rows = SESStat.objects.order_by("date")
    if since is not None:
        rows = rows.filter(date__gte=since)
    return [
        DailyStat(r.date, r.delivery_attempts, r.bounces, r.complaints, r.rejects) for r in rows
    ]


_COUNTS = ("delivery_attempts", "bounces", "complaints", "rejects")


def store_daily_stats(
    days: Iterable[DailyStat], *, window_start: dt.date | None = None
) -> UpsertSummary:
    """Upsert one ``SESStat`` row per day; running it twice changes nothing.

    ``window_start`` is the first day of SES's two-week window, which SES only
    has the later hours of: a stored count for that day is never lowered, and
    no row is created for it (a partial day would pass for a whole one).
    """
    created: list[dt.date] = []
    updated: list[dt.date] = []
    unchanged: list[dt.date] = []
    skipped: list[dt.date] = []
    with transaction.atomic():
        for day in days:
            new = {name: getattr(day, name) for name in _COUNTS}
            cut_off = window_start is not None and day.date <= window_start
            row = SESStat.objects.select_for_update().filter(date=day.date).first()
            if row is None:
                if cut_off:
                    skipped.append(day.date)
                    continue
                try:
                    with transaction.atomic():
                        SESStat.objects.create(date=day.date, **new)
                    created.append(day.date)
                    continue
                except IntegrityError:
                    # Another run created the day meanwhile: update that row instead.
                    row = SESStat.objects.select_for_update().get(date=day.date)
            if cut_off:
                new = {name: max(value, getattr(row, name)) for name, value in new.items()}
            if all(getattr(row, name) == value for name, value in new.items()):
                unchanged.append(day.date)
                continue
            for name, value in new.items():
                setattr(row, name, value)
            row.save(update_fields=[*_COUNTS, "updated_at"])
            updated.append(day.date)
    return UpsertSummary(tuple(created), tuple(updated), tuple(unchanged), tuple(skipped))
