"""Reads of the notice board, always scoped by the user.

Staff (console, API) read through :func:`notice_list` / :func:`access_notice`: the notices
of the projects in their scope. Residents (portal, API) read through
:func:`resident_notice_list` / :func:`resident_access_notice`: published notices of the
projects where they currently live, inside their window. Everything else is the same 404 as
a missing id.
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass, field
from typing import Any

from django.db.models import Count, Q, QuerySet
from django.http import Http404

from wuye.accounts.access import resident_units, scope_for
from wuye.notices.models import DISCLOSURE_CATEGORIES, Notice, NoticeCategory, NoticeState
from wuye.places.models import Project


def _in_scope(qs: QuerySet[Notice], user: Any) -> QuerySet[Notice]:
    scope = scope_for(user)
    if scope.is_superuser:
        return qs
    return qs.filter(project_id__in=scope.project_ids)


def with_read_count(qs: QuerySet[Notice]) -> QuerySet[Notice]:
    """Annotate ``read_count``: the distinct residents who opened the notice."""
    return qs.annotate(read_count=Count("reads", distinct=True))


def notice_list(
    *,
    user: Any,
    project_id: int | None = None,
    category: str | None = None,
    state: str | None = None,
    q: str = "",
) -> QuerySet[Notice]:
    """The notices of the user's projects (staff scope), pinned first, newest first, with
    ``read_count``. ``project_id`` outside the scope simply gives nothing."""
    qs = _in_scope(Notice.objects.all(), user)
    if project_id:
        qs = qs.filter(project_id=project_id)
    if category:
        qs = qs.filter(category=category)
    if state:
        qs = qs.filter(state=state)
    if q.strip():
        qs = qs.filter(Q(title__icontains=q.strip()) | Q(body__icontains=q.strip()))
    return with_read_count(qs.select_related("project")).order_by("-pinned", "-starts_at", "-id")


def access_notice(user: Any, notice_id: Any) -> Notice:
    """One notice of the user's projects (staff), with ``read_count``; else ``Http404``."""
    if not scope_for(user).is_staff_member:
        raise Http404
    try:
        return with_read_count(
            _in_scope(Notice.objects.select_related("project", "created_by"), user)
        ).get(pk=notice_id)
    except (Notice.DoesNotExist, ValueError, TypeError):
        raise Http404 from None


# --- residents -----------------------------------------------------------------------------


def resident_projects(user: Any) -> QuerySet[Project]:
    """The projects where the user currently lives (any relation), by name."""
    return Project.objects.filter(id__in=resident_units(user).values("project_id")).order_by(
        "name", "id"
    )


def _on_board(qs: QuerySet[Notice], now: dt.datetime) -> QuerySet[Notice]:
    return qs.filter(state=NoticeState.PUBLISHED, starts_at__lte=now).filter(
        Q(ends_at__isnull=True) | Q(ends_at__gt=now)
    )


def resident_notice_list(
    *,
    user: Any,
    now: dt.datetime,
    project_id: int | None = None,
    categories: tuple[str, ...] | None = None,
) -> QuerySet[Notice]:
    """What the resident's board shows at ``now``: published, in-window notices of their
    projects, pinned first, then the newest."""
    qs = _on_board(Notice.objects.filter(project_id__in=resident_projects(user).values("id")), now)
    if project_id:
        qs = qs.filter(project_id=project_id)
    if categories:
        qs = qs.filter(category__in=categories)
    return qs.select_related("project").order_by("-pinned", "-starts_at", "-id")


def resident_access_notice(user: Any, notice_id: Any, *, now: dt.datetime) -> Notice:
    """One notice the resident may read now; else ``Http404`` (drafts, withdrawn, outside the
    window and other projects' notices alike)."""
    try:
        return resident_notice_list(user=user, now=now).get(pk=notice_id)
    except (Notice.DoesNotExist, ValueError, TypeError):
        raise Http404 from None


@dataclass
class DisclosureSection:
    category: NoticeCategory
    notices: list[Notice] = field(default_factory=list)


@dataclass
class Disclosures:
    """The three disclosures (三公开) of one project, with its 24-hour service phone."""

    project: Project
    sections: list[DisclosureSection]


def resident_disclosures(*, user: Any, project_id: Any, now: dt.datetime) -> Disclosures:
    """The 三公开 page of one of the resident's projects (else ``Http404``). Two queries."""
    try:
        project = resident_projects(user).get(pk=project_id)
    except (Project.DoesNotExist, ValueError, TypeError):
        raise Http404 from None
    sections = {c: DisclosureSection(c) for c in DISCLOSURE_CATEGORIES}
    for notice in resident_notice_list(
        user=user, now=now, project_id=project.pk, categories=DISCLOSURE_CATEGORIES
    ):
        sections[NoticeCategory(notice.category)].notices.append(notice)
    return Disclosures(project=project, sections=list(sections.values()))
