"""Writes to the holiday table. Every change is validated, atomic, audited, and clears the
working-calendar cache (no signals: the admin and the import command call these)."""

from __future__ import annotations

import csv
import datetime as dt
import io
from collections.abc import Iterable
from dataclasses import dataclass, field
from typing import Any

from django.core.exceptions import ValidationError
from django.db import transaction
from django.utils.translation import gettext as _

from wuye.audit.services import audit_created, audit_record, diff, snapshot
from wuye.core.errors import DomainError
from wuye.workcal import calendar
from wuye.workcal.models import Holiday, HolidayKind


def _invalidate() -> None:
    # Now for this process's next read inside the transaction, and again after commit so
    # that a read made by another thread before the commit cannot stay cached.
    calendar.clear_cache()
    transaction.on_commit(calendar.clear_cache)


def _validate(holiday: Holiday) -> None:
    try:
        holiday.full_clean()
    except ValidationError as exc:
        raise DomainError(
            "; ".join(f"{name}: {' '.join(msgs)}" for name, msgs in exc.message_dict.items()),
            code="holiday_invalid",
        ) from exc


@transaction.atomic
def holiday_create(
    *,
    actor: Any,
    date: dt.date,
    kind: str,
    name: str,
    note: str = "",
    now: dt.datetime | None = None,
) -> Holiday:
    holiday = Holiday(date=date, kind=kind, name=name.strip(), note=note.strip())
    _validate(holiday)
    holiday.save()
    audit_created(actor=actor, action="workcal.holiday.created", instance=holiday, now=now)
    _invalidate()
    return holiday


@transaction.atomic
def holiday_update(
    *, actor: Any, holiday: Holiday, now: dt.datetime | None = None, **fields: Any
) -> Holiday:
    before = snapshot(holiday)
    for name, value in fields.items():
        setattr(holiday, name, value.strip() if isinstance(value, str) else value)
    _validate(holiday)
    changes = diff(before, snapshot(holiday))
    if changes:
        holiday.save()
        audit_record(
            actor=actor,
            action="workcal.holiday.updated",
            instance=holiday,
            changes=changes,
            now=now,
        )
        _invalidate()
    return holiday


@transaction.atomic
def holiday_delete(*, actor: Any, holiday: Holiday, now: dt.datetime | None = None) -> None:
    audit_record(
        actor=actor,
        action="workcal.holiday.deleted",
        instance=holiday,
        changes={"date": [holiday.date.isoformat(), None], "kind": [holiday.kind, None]},
        now=now,
    )
    holiday.delete()
    _invalidate()


# --- CSV import ----------------------------------------------------------------------------------

_KIND_ALIASES = {
    "holiday": HolidayKind.HOLIDAY,
    "off": HolidayKind.HOLIDAY,
    "休": HolidayKind.HOLIDAY,
    "workday": HolidayKind.WORKDAY,
    "work": HolidayKind.WORKDAY,
    "班": HolidayKind.WORKDAY,
}


@dataclass
class ImportResult:
    created: int = 0
    updated: int = 0
    unchanged: int = 0
    years: set[int] = field(default_factory=set)


def parse_holiday_csv(text: str) -> list[dict[str, Any]]:
    """Rows of a CSV with the header ``date,kind,name[,note]``: ISO dates, kind ``holiday``
    (or 休) / ``workday`` (or 班). Raises ``DomainError`` naming the first bad line."""
    reader = csv.DictReader(io.StringIO(text.lstrip("\ufeff")))
    header = {(name or "").strip().lower() for name in reader.fieldnames or []}
    if not {"date", "kind", "name"} <= header:
        raise DomainError(
            _(
                "The CSV needs a header line with the columns date, kind, name (and optionally note)."
            ),
            code="holiday_csv_header",
        )
    rows: list[dict[str, Any]] = []
    seen: set[dt.date] = set()
    for line_no, raw in enumerate(reader, start=2):
        row = {(k or "").strip().lower(): (v or "").strip() for k, v in raw.items()}
        if not any(row.values()):
            continue
        try:
            day = dt.date.fromisoformat(row["date"])
        except ValueError as exc:
            raise DomainError(
                _("Line %(line)s: %(value)s is not a date like 2027-01-01.")
                % {"line": line_no, "value": row["date"]},
                code="holiday_csv_date",
            ) from exc
        kind = _KIND_ALIASES.get(row["kind"].lower())
        if kind is None:
            raise DomainError(
                _("Line %(line)s: the kind must be holiday or workday, not %(value)s.")
                % {"line": line_no, "value": row["kind"]},
                code="holiday_csv_kind",
            )
        if not row["name"]:
            raise DomainError(
                _("Line %(line)s: the name is missing.") % {"line": line_no},
                code="holiday_csv_name",
            )
        if day in seen:
            raise DomainError(
                _("Line %(line)s: the date %(value)s appears twice.")
                % {"line": line_no, "value": day.isoformat()},
                code="holiday_csv_duplicate",
            )
        seen.add(day)
        rows.append({"date": day, "kind": kind, "name": row["name"], "note": row.get("note", "")})
    return rows


@transaction.atomic
def holidays_import(
    *, actor: Any, rows: Iterable[dict[str, Any]], now: dt.datetime | None = None
) -> ImportResult:
    """Create or update one ``Holiday`` per row (matched by date); all or nothing."""
    result = ImportResult()
    rows = list(rows)
    existing = {h.date: h for h in Holiday.objects.filter(date__in=[r["date"] for r in rows])}
    for row in rows:
        result.years.add(row["date"].year)
        holiday = existing.get(row["date"])
        if holiday is None:
            holiday_create(actor=actor, now=now, **row)
            result.created += 1
            continue
        fields = {k: v for k, v in row.items() if k != "date"}
        if all(getattr(holiday, k) == v for k, v in fields.items()):
            result.unchanged += 1
            continue
        holiday_update(actor=actor, holiday=holiday, now=now, **fields)
        result.updated += 1
    return result
