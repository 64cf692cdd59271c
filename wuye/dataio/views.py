"""Excel import and export pages. Views only orchestrate: scope checks, forms, services."""

from __future__ import annotations

import tempfile
from typing import Any

from django.contrib.auth.decorators import login_required
from django.core.exceptions import PermissionDenied
from django.core.paginator import Paginator
from django.http import FileResponse, Http404, HttpRequest, HttpResponse
from django.http.response import HttpResponseBase
from django.shortcuts import redirect, render
from django.utils import timezone
from django.utils.cache import patch_vary_headers
from django.utils.http import content_disposition_header
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy
from django.views.decorators.http import require_GET, require_http_methods, require_POST

from wuye.accounts.access import Capability, access_building, require, scope_for
from wuye.console.current import current_project_id
from wuye.core.errors import PermissionDenied as DomainPermissionDenied
from wuye.core.http import HtmxHttpRequest
from wuye.dataio.exporter import personal_data_project_ids, units_export
from wuye.dataio.forms import ExportForm, ImportForm
from wuye.dataio.selectors import (
    access_import_job,
    export_buildings,
    import_export_projects,
    import_job_list,
)
from wuye.dataio.services import import_job_submit
from wuye.dataio.template import template_workbook
from wuye.dataio.upsert import ENTITIES

XLSX = "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"
RECENT_JOBS = 10
JOBS_PER_PAGE = 50
ENTITY_LABELS = {
    "buildings": gettext_lazy("Buildings"),
    "units": gettext_lazy("Units"),
    "occupants": gettext_lazy("Occupants"),
    "occupancies": gettext_lazy("Occupancies"),
}


def _require(user: Any, project_id: Any, capability: Capability) -> None:
    """404 outside the user's projects, 403 without the capability."""
    try:
        project_id = int(project_id)
    except (TypeError, ValueError):
        raise Http404 from None
    try:
        require(user, project_id, capability)
    except DomainPermissionDenied as exc:
        raise PermissionDenied(str(exc.message)) from None


def _require_anywhere(user: Any) -> None:
    if not scope_for(user).can_anywhere(Capability.IMPORT_EXPORT):
        raise PermissionDenied(_("You may not import or export data in any project."))


def _home(
    request: HttpRequest,
    *,
    import_form: ImportForm | None = None,
    export_form: ExportForm | None = None,
    status: int = 200,
) -> HttpResponse:
    user = request.user
    projects = import_export_projects(user=user)
    chosen = request.GET.get("project") or current_project_id(request)
    initial = {"project": chosen} if chosen else {}
    context = {
        "import_form": import_form or ImportForm(projects=projects, initial=initial),
        "export_form": export_form
        or ExportForm(projects=projects, buildings=export_buildings(user=user), initial=initial),
        "jobs": import_job_list(user=user)[:RECENT_JOBS],
        "may_export_personal_data": bool(personal_data_project_ids(user=user)),
    }
    return render(request, "dataio/home.html", context, status=status)


@login_required
@require_GET
def home(request: HttpRequest) -> HttpResponse:
    _require_anywhere(request.user)
    return _home(request)


@login_required
@require_GET
def template_download(request: HttpRequest) -> HttpResponse:
    _require_anywhere(request.user)
    response = HttpResponse(template_workbook(), content_type=XLSX)
    response["Content-Disposition"] = content_disposition_header(
        as_attachment=True, filename=_("units-and-occupants-template") + ".xlsx"
    )
    return response


@login_required
@require_POST
def import_upload(request: HttpRequest) -> HttpResponse:
    user = request.user
    if request.POST.get("project"):
        _require(user, request.POST["project"], Capability.IMPORT_EXPORT)
    else:
        _require_anywhere(user)
    form = ImportForm(request.POST, request.FILES, projects=import_export_projects(user=user))
    if not form.is_valid():
        return _home(request, import_form=form, status=400)
    job = import_job_submit(
        actor=user, project=form.cleaned_data["project"], upload=form.cleaned_data["file"]
    )
    return redirect("dataio:job-detail", job_id=job.pk)


@login_required
@require_GET
def job_detail(request: HtmxHttpRequest, job_id: int) -> HttpResponse:
    job = access_import_job(request.user, job_id)
    _require(request.user, job.project_id, Capability.IMPORT_EXPORT)
    template = "dataio/_job_status.html" if request.htmx else "dataio/job_detail.html"
    counts = [(ENTITY_LABELS[name], job.counts.get(name, {})) for name in ENTITIES]
    response = render(request, template, {"job": job, "counts": counts})
    patch_vary_headers(response, ["HX-Request"])
    return response


@login_required
@require_GET
def job_list(request: HttpRequest) -> HttpResponse:
    _require_anywhere(request.user)
    project_id = request.GET.get("project") or None
    if project_id:
        _require(request.user, project_id, Capability.IMPORT_EXPORT)
    jobs = import_job_list(user=request.user, project_id=int(project_id) if project_id else None)
    page = Paginator(jobs, JOBS_PER_PAGE).get_page(request.GET.get("page"))
    return render(
        request,
        "dataio/job_list.html",
        {
            "page": page,
            "jobs": page.object_list,
            "projects": import_export_projects(user=request.user),
            "project_id": project_id,
        },
    )


@login_required
@require_http_methods(["GET", "POST"])
def export(request: HttpRequest) -> HttpResponseBase:
    """GET serves masked exports (linkable from lists); full personal data only by POST, so
    that a link cannot make a browser fetch it."""
    user = request.user
    _require_anywhere(user)
    data = request.POST if request.method == "POST" else request.GET
    if data.get("project"):
        _require(user, data["project"], Capability.IMPORT_EXPORT)
    if data.get("building"):
        building = access_building(user, data["building"])
        _require(user, building.project_id, Capability.IMPORT_EXPORT)
    projects = import_export_projects(user=user)
    form = ExportForm(data, projects=projects, buildings=export_buildings(user=user))
    if not form.is_valid():
        return _home(request, export_form=form, status=400)
    project, building = form.cleaned_data["project"], form.cleaned_data["building"]
    personal = request.method == "POST" and form.cleaned_data["include_personal_data"]
    if personal:
        allowed = personal_data_project_ids(user=user)
        if not allowed or (project and project.pk not in allowed):
            raise PermissionDenied(_("You may not export full personal data for this project."))
    out = tempfile.TemporaryFile()
    units_export(
        actor=user,
        out=out,
        project_id=project.pk if project else None,
        building_id=building.pk if building else None,
        q=form.cleaned_data["q"],
        include_personal_data=personal,
    )
    out.seek(0)
    stem = project.code if project else "all"
    filename = f"units-{stem}-{timezone.localdate():%Y%m%d}.xlsx"
    return FileResponse(out, as_attachment=True, filename=filename, content_type=XLSX)
