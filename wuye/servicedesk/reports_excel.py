"""The service-desk reports as an .xlsx workbook: one sheet per report.

Headers are in the active language (zh-hans by default, English when the user's UI
language is English): the caller activates it. openpyxl's write-only mode streams the rows
to the output file, so the overdue list (read in chunks) keeps memory flat however long it
is. Text from the database goes through ``safe_cell`` (no formula injection); times are
written in the project's local time (Excel has no time zones); percentages and money are
numbers (``Decimal``), not text.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Callable, Iterable, Sequence
from typing import IO, Any
from zoneinfo import ZoneInfo

from django.conf import settings
from django.utils.translation import gettext as _
from openpyxl import Workbook
from openpyxl.utils import get_column_letter

from wuye.dataio.cells import safe_cell
from wuye.servicedesk import reports as r

Row = Sequence[Any]
#: A write-only worksheet (its stubs lack ``column_dimensions``, which it has).
Sheet = Any


def _cell(value: Any) -> Any:
    if isinstance(value, dt.datetime):
        return value.replace(tzinfo=None)
    return safe_cell(value)


def _sheet(
    book: Workbook, title: str, headers: Sequence[str], widths: Sequence[int] | None = None
) -> Sheet:
    # Excel refuses sheet titles over 31 characters and some punctuation.
    clean = "".join(c for c in title if c not in "[]:*?/\\")[:31]
    sheet: Sheet = book.create_sheet(clean)
    for position, width in enumerate(widths or [18] * len(headers), start=1):
        sheet.column_dimensions[get_column_letter(position)].width = width
    sheet.freeze_panes = "A2"
    sheet.append(list(headers))
    return sheet


def _rows(sheet: Sheet, rows: Iterable[Row]) -> None:
    for row in rows:
        sheet.append([_cell(v) for v in row])


def _yes(value: bool | None) -> str:
    if value is None:
        return ""
    return _("Yes") if value else _("No")


def _local(value: dt.datetime | None, zone: ZoneInfo) -> dt.datetime | None:
    return value.astimezone(zone) if value is not None else None


# --- sheets ----------------------------------------------------------------------------------


def _filters(book: Workbook, f: r.ReportFilter, sections: Sequence[r.Section]) -> None:
    sheet = _sheet(book, _("Filters"), [_("Report filter"), _("Value")], [22, 90])
    zone = ZoneInfo(settings.TIME_ZONE)
    _rows(
        sheet,
        [
            (_("Projects"), "、".join(p.name for p in f.projects) or "—"),
            (_("From"), f.date_from),
            (_("To"), f.date_to),
            (_("Kind"), f.kind_label or _("All kinds")),
            (_("Generated at"), f.now.astimezone(zone)),
        ],
    )
    sheet.append([])
    _rows(sheet, ((str(r.SECTION_LABELS[s]), str(r.DEFINITIONS[s])) for s in sections))


def _sla(book: Workbook, f: r.ReportFilter) -> None:
    report = r.sla_report(f)
    sheet = _sheet(
        book,
        str(r.SECTION_LABELS[r.Section.SLA]),
        [_("Clock"), _("Met"), _("Breached"), _("Attainment (%)"), _("Overdue now")],
        [26, 12, 12, 16, 14],
    )
    _rows(sheet, ((x.label, x.met, x.breached, x.rate, x.overdue_now) for x in report.rows))
    t = report.total
    _rows(sheet, [(_("Total"), t.met, t.breached, t.rate, t.overdue_now)])


def _same_day(book: Workbook, f: r.ReportFilter) -> None:
    x = r.same_day_report(f)
    sheet = _sheet(
        book,
        str(r.SECTION_LABELS[r.Section.SAME_DAY]),
        [_("Done the same day"), _("Late"), _("Same-day rate (%)"), _("Overdue now")],
        [18, 12, 18, 14],
    )
    _rows(sheet, [(x.met, x.breached, x.rate, x.overdue_now)])


def _visits(book: Workbook, f: r.ReportFilter) -> None:
    report = r.visit_report(f)
    sheet = _sheet(
        book,
        str(r.SECTION_LABELS[r.Section.VISITS]),
        [
            _("Project"),
            _("Finished tickets"),
            _("Visited"),
            _("Return-visit rate (%)"),
            _("Target (%)"),
            _("Satisfied"),
            _("Satisfaction (%)"),
            _("Target (%)"),
            _("Average rating"),
        ],
        [22, 10, 10, 18, 12, 10, 16, 12, 14],
    )

    def line(name: str, x: r.VisitFigures) -> Row:
        return (
            name,
            x.finished,
            x.visited,
            x.visit_rate,
            x.visit_target,
            x.satisfied,
            x.satisfaction_rate,
            x.satisfaction_target,
            x.average_rating,
        )

    _rows(sheet, (line(x.project_name, x) for x in report.rows))
    _rows(sheet, [line(_("Total"), report.total)])


def _rework(book: Workbook, f: r.ReportFilter) -> None:
    x = r.rework_report(f)
    sheet = _sheet(
        book,
        str(r.SECTION_LABELS[r.Section.REWORK]),
        [
            _("Finished tickets"),
            _("Reworked"),
            _("Reopened"),
            _("Same unit and category again"),
            _("Rework rate (%)"),
            _("Rework window (days)"),
        ],
        [12, 12, 12, 26, 16, 20],
    )
    window = "/".join(str(d) for d in x.window_days)
    _rows(sheet, [(x.finished, x.reworked, x.reopened, x.repeated, x.rate, window)])


def _complaints(book: Workbook, f: r.ReportFilter) -> None:
    report = r.complaint_report(f)
    c = report.closure
    sheet = _sheet(
        book,
        str(r.SECTION_LABELS[r.Section.COMPLAINTS]),
        [_("Category"), _("Complaints")],
        [26, 14, 14, 14],
    )
    _rows(sheet, ((x.name, x.count) for x in report.by_category))
    sheet.append([])
    _rows(
        sheet,
        [
            (_("Complaints closed"), c.count),
            (_("Average closure time (h)"), c.average_hours),
            (_("Median closure time (h)"), c.median_hours),
        ],
    )
    monthly = _sheet(
        book,
        _("Monthly complaint analysis"),
        [
            _("Project"),
            _("Category"),
            f"{report.previous_month:%Y-%m}",
            f"{report.month:%Y-%m}",
            _("Change (%)"),
            _("Early warning"),
        ],
        [22, 22, 12, 12, 12, 14],
    )
    _rows(
        monthly,
        (
            (x.project_name, x.name, x.previous_month, x.this_month, x.change, _yes(x.warning))
            for x in report.monthly
        ),
    )


def _hotspots(book: Workbook, f: r.ReportFilter) -> None:
    report = r.hotspot_report(f)
    top = _sheet(
        book, _("Top categories"), [_("Category"), _("Tickets"), _("Complaints")], [26, 12, 12]
    )
    _rows(top, ((x.name, x.count, x.complaints) for x in report.top_categories))
    scopes = {
        r.LocationScope.UNIT: _("Unit"),
        r.LocationScope.BUILDING: _("Building and place"),
        r.LocationScope.PLACE: _("Place"),
    }
    places = _sheet(
        book,
        _("Repeat locations"),
        [_("Project"), _("Location"), _("Level"), _("Tickets")],
        [22, 30, 18, 10],
    )
    _rows(
        places,
        (
            (x.project_name, x.location, scopes[r.LocationScope(x.scope)], x.count)
            for x in report.repeat_locations
        ),
    )


def _technicians(book: Workbook, f: r.ReportFilter) -> None:
    sheet = _sheet(
        book,
        str(r.SECTION_LABELS[r.Section.TECHNICIANS]),
        [
            _("Technician"),
            _("Orders completed"),
            _("Clocks met"),
            _("Clocks"),
            _("On-time rate (%)"),
            _("Rework"),
            _("Average rating"),
            _("Fee income (yuan)"),
        ],
        [18, 16, 12, 10, 16, 10, 14, 16],
    )
    _rows(
        sheet,
        (
            (
                x.name,
                x.finished,
                x.clocks_met,
                x.clocks_stopped,
                x.on_time_rate,
                x.reworked,
                x.average_rating,
                x.fee_income,
            )
            for x in r.technician_report(f)
        ),
    )


def _overdue(book: Workbook, f: r.ReportFilter) -> None:
    zones = {p.name: ZoneInfo(p.time_zone or settings.TIME_ZONE) for p in f.projects}
    sheet = _sheet(
        book,
        str(r.SECTION_LABELS[r.Section.OVERDUE]),
        [
            _("Ticket number"),
            _("Project"),
            _("Kind"),
            _("Category"),
            _("Location"),
            _("Assignee"),
            _("State"),
            _("Clock"),
            _("Due at"),
            _("Stopped at"),
            _("Late by (h)"),
        ],
        [20, 16, 16, 14, 20, 14, 12, 20, 18, 18, 12],
    )
    for x in r.overdue_rows(f):
        zone = zones.get(x.project_name, ZoneInfo(settings.TIME_ZONE))
        _rows(
            sheet,
            [
                (
                    x.number,
                    x.project_name,
                    x.kind_label,
                    x.category,
                    x.location,
                    x.assignee,
                    x.state_label,
                    x.clock_label,
                    _local(x.due_at, zone),
                    _local(x.stopped_at, zone),
                    x.late_hours,
                )
            ],
        )


_WRITERS: dict[r.Section, Callable[[Workbook, r.ReportFilter], None]] = {
    r.Section.SLA: _sla,
    r.Section.SAME_DAY: _same_day,
    r.Section.VISITS: _visits,
    r.Section.REWORK: _rework,
    r.Section.COMPLAINTS: _complaints,
    r.Section.HOTSPOTS: _hotspots,
    r.Section.TECHNICIANS: _technicians,
    r.Section.OVERDUE: _overdue,
}


def report_workbook(
    *, f: r.ReportFilter, out: IO[bytes], sections: Sequence[r.Section] | None = None
) -> None:
    """Write the workbook of ``sections`` (default: all, in page order) to ``out``: a first
    sheet with the filters and definitions, then the reports' sheets."""
    chosen = list(sections or r.Section)
    book = Workbook(write_only=True)
    _filters(book, f, chosen)
    for section in r.Section:
        if section in chosen:
            _WRITERS[section](book, f)
    book.save(out)
