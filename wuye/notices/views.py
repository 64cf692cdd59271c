"""Console screens of the notice board (公示栏), mounted at ``/console/notices/``.

Every read goes through :mod:`wuye.notices.selectors` (scoped: another project's notice is
404), every write through :mod:`wuye.notices.services` (``MANAGE_NOTICES``: 403 without it).
"""

from __future__ import annotations

from typing import Any

from django.contrib import messages
from django.core.exceptions import ValidationError
from django.http import Http404, HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.urls import reverse
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy
from django.views.decorators.http import require_GET, require_http_methods, require_POST

from wuye.accounts.access import Capability, require, scope_for
from wuye.console.current import current_project_id, request_projects
from wuye.console.views.common import apply_errors, list_project_id, paginate, staff_view
from wuye.core.errors import DomainError, PermissionDenied
from wuye.notices import services
from wuye.notices.forms import NoticeFilterForm, NoticeForm
from wuye.notices.models import Notice, NoticeState
from wuye.notices.poster import poster_pdf
from wuye.notices.selectors import access_notice, notice_list
from wuye.places.models import Project

#: Labels of the event codes on the notice page.
EVENT_LABELS = {
    "notices.notice.created": gettext_lazy("Created"),
    "notices.notice.updated": gettext_lazy("Edited"),
    "notices.notice.published": gettext_lazy("Published"),
    "notices.notice.withdrawn": gettext_lazy("Withdrawn"),
    "notices.notice.pinned": gettext_lazy("Pinned"),
    "notices.notice.unpinned": gettext_lazy("Unpinned"),
}


def _writable_projects(request: HttpRequest) -> list[Project]:
    scope = scope_for(request.user)
    return [p for p in request_projects(request) if scope.can(p.pk, Capability.MANAGE_NOTICES)]


@staff_view
@require_GET
def notice_list_view(request: HttpRequest) -> HttpResponse:
    """The notices of the user's projects; filters: words, project, category, state."""
    project_id = list_project_id(request)
    form = NoticeFilterForm(request.GET, projects=request_projects(request), project_id=project_id)
    qs = notice_list(
        user=request.user,
        project_id=form.id_value("project"),
        category=form.value("category") or None,
        state=form.value("state") or None,
        q=form.value("q"),
    )
    return render(
        request,
        "notices/console/list.html",
        {
            "form": form,
            "page": paginate(request, qs),
            "can_write": scope_for(request.user).can_anywhere(Capability.MANAGE_NOTICES),
        },
    )


def _service_kwargs(data: dict[str, Any]) -> dict[str, Any]:
    return {
        "title": data["title"],
        "body": data["body"],
        "category": data["category"],
        "starts_at": data["starts_at"],
        "ends_at": data["ends_at"],
        "pinned": data["pinned"],
    }


@staff_view
@require_http_methods(["GET", "POST"])
def notice_create_view(request: HttpRequest) -> HttpResponse:
    """A new draft in one of the projects where the user may write notices."""
    projects = _writable_projects(request)
    if not projects:
        raise PermissionDenied(_("You may not write notices in any project."))
    by_id = {str(p.pk): p for p in projects}
    if request.method == "POST":
        form = NoticeForm(request.POST, projects=projects)
        if form.is_valid():
            project = by_id[form.cleaned_data["project"]]
            try:
                notice = services.notice_create(
                    actor=request.user, project=project, **_service_kwargs(form.cleaned_data)
                )
            except (ValidationError, DomainError) as exc:
                apply_errors(form, exc)
            else:
                messages.success(request, _("The notice was saved as a draft."))
                return redirect("notices:detail", notice.pk)
    else:
        current = request.GET.get("project") or str(current_project_id(request) or "")
        initial_project = current if current in by_id else ""
        form = NoticeForm(projects=projects, initial={"project": initial_project})
    return render(request, "notices/console/form.html", {"form": form, "notice": None})


@staff_view
@require_GET
def notice_detail_view(request: HttpRequest, pk: int) -> HttpResponse:
    notice = access_notice(request.user, pk)
    events = [
        (event, EVENT_LABELS.get(event.code, event.code))
        for event in notice.events.select_related("actor").order_by("-at", "-id")
    ]
    can_write = scope_for(request.user).can(notice.project_id, Capability.MANAGE_NOTICES)
    return render(
        request,
        "notices/console/detail.html",
        {
            "notice": notice,
            "events": events,
            "can_write": can_write,
            "can_publish": notice.state in (NoticeState.DRAFT, NoticeState.WITHDRAWN),
            "can_withdraw": notice.state == NoticeState.PUBLISHED,
            "portal_url": request.build_absolute_uri(
                reverse("portal:notice-detail", args=[notice.pk])
            ),
        },
    )


@staff_view
@require_http_methods(["GET", "POST"])
def notice_edit_view(request: HttpRequest, pk: int) -> HttpResponse:
    notice = access_notice(request.user, pk)
    require(request.user, notice.project_id, Capability.MANAGE_NOTICES)
    if request.method == "POST":
        form = NoticeForm(request.POST)
        if form.is_valid():
            data = _service_kwargs(form.cleaned_data)
            data["starts_at"] = data["starts_at"] or notice.starts_at
            try:
                services.notice_update(actor=request.user, notice=notice, **data)
            except (ValidationError, DomainError) as exc:
                apply_errors(form, exc)
            else:
                messages.success(request, _("The notice was saved."))
                return redirect("notices:detail", notice.pk)
    else:
        form = NoticeForm(
            initial={
                "title": notice.title,
                "category": notice.category,
                "body": notice.body,
                "starts_at": notice.starts_at,
                "ends_at": notice.ends_at,
                "pinned": notice.pinned,
            }
        )
    return render(request, "notices/console/form.html", {"form": form, "notice": notice})


_ACTIONS = {
    "publish": (services.notice_publish, gettext_lazy("The notice is published.")),
    "withdraw": (services.notice_withdraw, gettext_lazy("The notice was withdrawn.")),
}


@staff_view
@require_POST
def notice_action_view(request: HttpRequest, pk: int, action: str) -> HttpResponse:
    """``publish``, ``withdraw``, ``pin`` or ``unpin``; a refused transition is a message."""
    notice = access_notice(request.user, pk)
    require(request.user, notice.project_id, Capability.MANAGE_NOTICES)
    note = request.POST.get("note", "")[:500]
    try:
        if action in _ACTIONS:
            service, done = _ACTIONS[action]
            service(actor=request.user, notice=notice, note=note)
        elif action in ("pin", "unpin"):
            services.notice_pin(actor=request.user, notice=notice, pinned=action == "pin")
            done = (
                gettext_lazy("The notice is pinned.")
                if action == "pin"
                else gettext_lazy("The notice is no longer pinned.")
            )
        else:
            raise Http404
    except DomainError as exc:
        if isinstance(exc, PermissionDenied):
            raise
        messages.error(request, str(exc.message))
    else:
        messages.success(request, str(done))
    return redirect("notices:detail", notice.pk)


@staff_view
@require_GET
def notice_poster_view(request: HttpRequest, pk: int) -> HttpResponse:
    """The printable A4 poster (PDF) with a QR code to the notice in the portal."""
    notice: Notice = access_notice(request.user, pk)
    response = HttpResponse(poster_pdf(request, notice), content_type="application/pdf")
    response["Content-Disposition"] = f'inline; filename="notice-{notice.pk}.pdf"'
    return response
