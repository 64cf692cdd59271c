"""The notice board in the resident portal (phone-sized pages).

Only residents reach these pages (``resident_required``: anonymous → sign-in page with
``next``, so a poster's QR code scanned by somebody not signed in leads to the notice after
signing in). They show only published, in-window notices of the resident's own projects;
anything else is 404.
"""

from __future__ import annotations

from django.http import HttpRequest, HttpResponse
from django.shortcuts import render
from django.utils import timezone
from django.views.decorators.http import require_GET

from wuye.notices.models import NoticeCategory
from wuye.notices.selectors import (
    resident_access_notice,
    resident_disclosures,
    resident_notice_list,
    resident_projects,
)
from wuye.notices.services import notice_read_record
from wuye.portal.views import resident_required

BOARD_LIMIT = 100


@resident_required
@require_GET
def board(request: HttpRequest) -> HttpResponse:
    """公示栏: pinned first, then the newest; a link to each project's 三公开 page."""
    now = timezone.now()
    notices = list(resident_notice_list(user=request.user, now=now)[:BOARD_LIMIT])
    projects = list(resident_projects(request.user))
    return render(
        request,
        "notices/portal/board.html",
        {"notices": notices, "projects": projects, "many_projects": len(projects) > 1},
    )


@resident_required
@require_GET
def notice_detail(request: HttpRequest, pk: int) -> HttpResponse:
    """The notice; the resident's first visit counts as a read."""
    now = timezone.now()
    notice = resident_access_notice(request.user, pk, now=now)
    notice_read_record(user=request.user, notice=notice, now=now)
    return render(
        request,
        "notices/portal/detail.html",
        {"notice": notice, "category": NoticeCategory(notice.category)},
    )


@resident_required
@require_GET
def disclosures(request: HttpRequest, project_id: int) -> HttpResponse:
    """三公开: fee standards, service content and standards, procedures; the 24-hour phone."""
    data = resident_disclosures(user=request.user, project_id=project_id, now=timezone.now())
    return render(request, "notices/portal/disclosures.html", {"data": data})
