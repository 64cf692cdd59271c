"""The service-desk report page of the console and its Excel export.

``report_page`` (``desk:reports``): filters (project, period preset or dates, ticket kind)
and every report as a section; changing a filter swaps the results in place (htmx).
``report_export`` (``desk:reports-export``): the same figures as a workbook, one sheet per
report, or one section's sheets with ``section=``.

Access: reading needs ``Capability.VIEW`` in the projects (district supervisors included) —
a project outside the user's scope is a 404. Exporting needs ``Capability.IMPORT_EXPORT``,
the capability that governs every spreadsheet leaving Wuye (all roles with
``SERVICE_DESK`` hold it too): the workbook covers the filter's projects where the user holds
it, and without any such project the answer is 403.
"""

from __future__ import annotations

import tempfile
from collections.abc import Iterable
from typing import Any, cast
from urllib.parse import urlencode

from django import forms
from django.http import FileResponse, Http404, HttpResponse
from django.http.response import HttpResponseBase
from django.shortcuts import render
from django.utils.cache import patch_vary_headers
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy
from django.views.decorators.http import require_GET

from wuye.accounts.access import Capability, scope_for
from wuye.console.current import request_projects
from wuye.console.forms.filters import project_choices
from wuye.console.forms.widgets import FastSelect
from wuye.console.views.common import View, apply_errors, list_project_id, staff_view
from wuye.core.errors import DomainError, PermissionDenied
from wuye.core.http import HtmxHttpRequest
from wuye.places.models import Project
from wuye.servicedesk import reports as r
from wuye.servicedesk.models import TicketKind
from wuye.servicedesk.reports_excel import report_workbook

XLSX = "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"
BODY_TARGET = "report-body"


# Editing a date switches the period to "custom dates" (the page's script-free fallback: pick
# "custom dates" and press the button).
_CUSTOM_ON_CHANGE = {"type": "date", "onchange": "this.form.elements.period.value='custom'"}


class ReportFilterForm(forms.Form):
    """The report filters: a period preset, or "custom dates" with both dates. Dates
    without a period (links, bookmarks) count as custom dates."""

    project = forms.ChoiceField(label=gettext_lazy("Project"), required=False, widget=FastSelect)
    period = forms.ChoiceField(
        label=gettext_lazy("Period"),
        required=False,
        choices=[(p.value, label) for p, label in r.PERIOD_LABELS.items()],
        widget=FastSelect,
    )
    date_from = forms.DateField(
        label=gettext_lazy("From"),
        required=False,
        widget=forms.DateInput(attrs=_CUSTOM_ON_CHANGE, format="%Y-%m-%d"),
    )
    date_to = forms.DateField(
        label=gettext_lazy("To"),
        required=False,
        widget=forms.DateInput(attrs=_CUSTOM_ON_CHANGE, format="%Y-%m-%d"),
    )
    kind = forms.ChoiceField(
        label=gettext_lazy("Kind"),
        required=False,
        choices=[("", gettext_lazy("All kinds")), *TicketKind.choices],
        widget=FastSelect,
    )

    def __init__(self, data: Any, *, projects: Iterable[Project], project_id: int | None) -> None:
        data = data.copy()
        data["project"] = str(project_id or "")
        super().__init__(data)
        self._values: Any = data  # the bound data, mutable (a copy)
        cast(forms.ChoiceField, self.fields["project"]).choices = project_choices(projects)

    def filter(self, user: Any, projects: list[Project]) -> r.ReportFilter | None:
        """The report filter, or ``None`` with the errors on the form. A project outside
        the user's scope raises ``Http404``."""
        if not self.is_valid():
            return None
        data = self.cleaned_data
        period = data["period"]
        custom = period == r.Period.CUSTOM or (
            not period and (data["date_from"] or data["date_to"])
        )
        try:
            f = r.report_filter(
                user=user,
                project_id=int(data["project"]) if data["project"] else None,
                period="" if custom else data["period"],
                date_from=data["date_from"] if custom else None,
                date_to=data["date_to"] if custom else None,
                kind=data["kind"],
                projects=projects,
            )
        except DomainError as exc:
            apply_errors(self, exc)
            return None
        # Show what was applied: the preset's dates in the date fields.
        self._values["period"] = f.period
        self._values["date_from"] = f"{f.date_from:%Y-%m-%d}"
        self._values["date_to"] = f"{f.date_to:%Y-%m-%d}"
        return f


def _query(f: r.ReportFilter, **extra: str) -> str:
    """The query string that reproduces ``f`` (links to the export, per section)."""
    params: dict[str, Any] = {}
    if len(f.projects) == 1:
        params["project"] = f.projects[0].pk
    else:
        params["project"] = ""
    if f.period == r.Period.CUSTOM:
        params.update(period=r.Period.CUSTOM, date_from=f.date_from, date_to=f.date_to)
    else:
        params["period"] = f.period
    if f.kind:
        params["kind"] = f.kind
    params.update(extra)
    return urlencode(params)


def _request_filter(
    request: HtmxHttpRequest,
) -> tuple[ReportFilterForm, r.ReportFilter | None]:
    projects = request_projects(request)
    project_id = list_project_id(request)
    if project_id is not None and project_id not in {p.pk for p in projects}:
        raise Http404
    form = ReportFilterForm(request.GET, projects=projects, project_id=project_id)
    return form, form.filter(request.user, projects)


def _export_filter(user: Any, f: r.ReportFilter) -> r.ReportFilter:
    scope = scope_for(user)
    allowed = [p.pk for p in f.projects if scope.can(p.pk, Capability.IMPORT_EXPORT)]
    if not allowed:
        raise PermissionDenied(_("You may not export reports of these projects."))
    return f.limited_to(allowed)


def _may_export(user: Any, f: r.ReportFilter) -> bool:
    scope = scope_for(user)
    return any(scope.can(p.pk, Capability.IMPORT_EXPORT) for p in f.projects)


@require_GET
@staff_view
def report_page(request: HtmxHttpRequest) -> HttpResponse:
    form, f = _request_filter(request)
    context: dict[str, Any] = {"form": form, "f": f, "sections": r.SECTION_LABELS}
    if f is not None:
        context.update(
            sla=r.sla_report(f),
            same_day=r.same_day_report(f),
            visits=r.visit_report(f),
            rework=r.rework_report(f),
            complaints=r.complaint_report(f),
            hotspots=r.hotspot_report(f),
            technicians=r.technician_report(f),
            overdue=r.overdue_report(f),
            definitions={s.value.replace("-", "_"): d for s, d in r.DEFINITIONS.items()},
            query=_query(f),
            can_export=_may_export(request.user, f),
            single_project=len(f.projects) == 1,
        )
    partial = bool(request.htmx) and request.htmx.target == BODY_TARGET
    template = "servicedesk/reports/_body.html" if partial else "servicedesk/reports/page.html"
    # htmx swaps only 2xx answers: the filter errors of a swap come back with 200.
    status = 400 if f is None and not partial else 200
    response = render(request, template, context, status=status)
    patch_vary_headers(response, ["HX-Request"])
    return response


def _export(request: HtmxHttpRequest) -> HttpResponseBase:
    form, f = _request_filter(request)
    if f is None:
        return render(request, "servicedesk/reports/page.html", {"form": form}, status=400)
    sections = []
    for value in request.GET.getlist("section"):
        try:
            sections.append(r.Section(value))
        except ValueError:
            raise Http404 from None
    f = _export_filter(request.user, f)
    out = tempfile.TemporaryFile()
    report_workbook(f=f, out=out, sections=sections or None)
    out.seek(0)
    stem = f.projects[0].code if len(f.projects) == 1 else "all"
    name = "-".join(s.value for s in sections) if len(sections) == 1 else "reports"
    filename = f"servicedesk-{name}-{stem}-{f.date_from:%Y%m%d}-{f.date_to:%Y%m%d}.xlsx"
    # FileResponse streams the temporary file in blocks: a long overdue list never sits in
    # memory as one response body.
    return FileResponse(out, as_attachment=True, filename=filename, content_type=XLSX)


# ``staff_view`` is typed for plain responses; the export streams a ``FileResponse``.
report_export = require_GET(staff_view(cast(View, _export)))
