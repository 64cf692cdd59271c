"""The notice board (公示栏) over the API: list, detail, create, update, publish, withdraw.

Staff read the notices of the projects in their scope (any state) and write where they hold
``manage_notices`` (403 without it). Residents read only published notices of the projects
where they live, inside their window (``starts_at <= now < ends_at``); anything else is the
same 404 as a missing id. ``read_count`` (distinct residents who opened the notice) is shown
to the project's staff only; a resident's detail request counts as a read, like the portal.
Lists are keyset pages (``wuye.api.pagination``) ordered by project, then id.
"""

from __future__ import annotations

import datetime as dt
from typing import Any

from django.db.models import F, Q, QuerySet
from django.http import Http404
from django.utils import timezone
from django.utils.translation import gettext_lazy as _
from ninja import Field, Query, Router, Status
from pydantic import ConfigDict
from pydantic.json_schema import JsonDict

from wuye.accounts.access import Capability, access_project, require, scope_for
from wuye.api.auth import ApiRequest
from wuye.api.pagination import Key, Ordering, paginate
from wuye.api.schemas import ErrorOut, Out, PageParams, _In
from wuye.core.errors import Conflict, DomainError
from wuye.notices import services
from wuye.notices.models import Notice, NoticeCategory, NoticeState
from wuye.notices.selectors import (
    access_notice,
    resident_access_notice,
    resident_projects,
    with_read_count,
)

router = Router(tags=["notices"])

LIST_ERRORS = {frozenset({401, 422}): ErrorOut}
DETAIL_ERRORS = {frozenset({401, 404}): ErrorOut}
WRITE_ERRORS = {frozenset({400, 401, 403, 404, 409, 422}): ErrorOut}

NOTICE_ORDERING = Ordering((Key("project_id", int), Key("id", int)), partition=True)

_EXAMPLE: JsonDict = {
    "id": 12,
    "project_id": 3,
    "project_name": "阳光新邸",
    "title": "3幢停水通知",
    "body": "因二次供水设备检修，12月5日9:00–17:00 3幢停水。\n\n请提前储水，不便之处敬请谅解。",
    "category": "works",
    "state": "published",
    "starts_at": "2026-12-03T08:00:00+08:00",
    "ends_at": "2026-12-05T18:00:00+08:00",
    "pinned": True,
    "published_at": "2026-12-03T08:05:00+08:00",
    "read_count": 42,
    "created_at": "2026-12-02T16:30:00+08:00",
    "updated_at": "2026-12-03T08:05:00+08:00",
}


# --- schemas ---------------------------------------------------------------------------------


class NoticeFilters(PageParams):
    project_id: int | None = None
    category: NoticeCategory | None = None
    state: NoticeState | None = Field(
        None, description="Staff only; residents always get published notices."
    )


class NoticeOut(Out):
    model_config = ConfigDict(from_attributes=True, json_schema_extra={"examples": [_EXAMPLE]})

    id: int
    project_id: int
    project_name: str
    title: str
    body: str = Field(description="Plain text; paragraphs are separated by a blank line.")
    category: NoticeCategory
    state: NoticeState
    starts_at: dt.datetime
    ends_at: dt.datetime | None
    pinned: bool
    published_at: dt.datetime | None
    read_count: int | None = Field(
        description="Distinct residents who opened it; null unless you are the project's staff."
    )
    created_at: dt.datetime
    updated_at: dt.datetime


class NoticePage(Out):
    items: list[NoticeOut]
    next_cursor: str | None


class NoticeCreateIn(_In):
    model_config = ConfigDict(
        extra="forbid",
        json_schema_extra={
            "examples": [
                {
                    "project_id": 3,
                    "title": "3幢停水通知",
                    "body": "因二次供水设备检修，12月5日9:00–17:00 3幢停水。",
                    "category": "works",
                    "starts_at": "2026-12-03T08:00:00+08:00",
                    "ends_at": "2026-12-05T18:00:00+08:00",
                    "pinned": True,
                }
            ]
        },
    )

    project_id: int
    title: str
    body: str
    category: NoticeCategory = NoticeCategory.GENERAL
    starts_at: dt.datetime | None = Field(
        None, description="Default: now. Without offset: Asia/Shanghai."
    )
    ends_at: dt.datetime | None = None
    pinned: bool = False


class NoticeUpdateIn(_In):
    """Only the fields sent are changed."""

    model_config = ConfigDict(
        extra="forbid", json_schema_extra={"examples": [{"pinned": False, "ends_at": None}]}
    )

    title: str | None = None
    body: str | None = None
    category: NoticeCategory | None = None
    starts_at: dt.datetime | None = None
    ends_at: dt.datetime | None = None
    pinned: bool | None = None


class NoticeActionIn(_In):
    model_config = ConfigDict(
        extra="forbid", json_schema_extra={"examples": [{"note": "施工完毕"}]}
    )

    note: str = Field("", max_length=500)


# --- helpers ---------------------------------------------------------------------------------

_FIELDS = (
    "id",
    "project_id",
    "title",
    "body",
    "category",
    "state",
    "starts_at",
    "ends_at",
    "pinned",
    "published_at",
    "created_at",
    "updated_at",
)


def _aware(value: dt.datetime | None) -> dt.datetime | None:
    """A naive date-time from a client is local (Asia/Shanghai) time."""
    if value is None or timezone.is_aware(value):
        return value
    return timezone.make_aware(value)


def _readable(user: Any, now: dt.datetime) -> tuple[QuerySet[Notice], list[int] | None]:
    """The notices the caller may read, and the project ids they can span (for keyset
    pagination; ``None`` for a superuser)."""
    scope = scope_for(user)
    homes = list(resident_projects(user).values_list("id", flat=True))
    board = Q(project_id__in=homes, state=NoticeState.PUBLISHED, starts_at__lte=now) & (
        Q(ends_at__isnull=True) | Q(ends_at__gt=now)
    )
    if scope.is_superuser:
        return Notice.objects.all(), None
    staff = Q(project_id__in=scope.project_ids)
    return Notice.objects.filter(staff | board), sorted(set(scope.project_ids) | set(homes))


def _detail(user: Any, notice: Notice) -> dict[str, Any]:
    row = {name: getattr(notice, name) for name in _FIELDS}
    row["project_name"] = notice.project.name
    staff = scope_for(user).can(notice.project_id, Capability.VIEW)
    row["read_count"] = getattr(notice, "read_count", None) if staff else None
    return row


def _conflicts(exc: DomainError) -> DomainError:
    if type(exc) is DomainError and exc.code in {"invalid_transition", "unchanged"}:
        return Conflict(exc.message, code=exc.code, field=exc.field)
    return exc


# --- endpoints -------------------------------------------------------------------------------


@router.get("/notices", response={200: NoticePage, **LIST_ERRORS})
def list_notices(request: ApiRequest, filters: Query[NoticeFilters]) -> Any:
    """Staff: every notice of their projects (filter by state). Residents: the published,
    in-window notices of the projects where they live."""
    user = request.auth
    qs, partitions = _readable(user, timezone.now())
    if filters.project_id:
        qs = qs.filter(project_id=filters.project_id)
    if filters.category:
        qs = qs.filter(category=filters.category.value)
    if filters.state:
        qs = qs.filter(state=filters.state.value)
    rows = with_read_count(qs).values(*_FIELDS, "read_count", project_name=F("project__name"))
    page = paginate(
        rows,
        ordering=NOTICE_ORDERING,
        cursor=filters.cursor,
        limit=filters.limit,
        partitions=partitions,
    )
    scope = scope_for(user)
    for row in page["items"]:
        if not scope.can(row["project_id"], Capability.VIEW):
            row["read_count"] = None
    return page


@router.get("/notices/{notice_id}", response={200: NoticeOut, **DETAIL_ERRORS})
def get_notice(request: ApiRequest, notice_id: int) -> Any:
    """One notice. A resident's request counts as a read (once per resident)."""
    user = request.auth
    try:
        notice = access_notice(user, notice_id)
    except Http404:
        now = timezone.now()
        notice = resident_access_notice(user, notice_id, now=now)
        services.notice_read_record(user=user, notice=notice, now=now)
    return _detail(user, notice)


@router.post("/notices", response={201: NoticeOut, **WRITE_ERRORS})
def create_notice(request: ApiRequest, payload: NoticeCreateIn) -> Any:
    """A new notice, as a draft; publish it with ``POST /notices/{id}/publish``."""
    user = request.auth
    try:
        project = access_project(user, payload.project_id)
    except Http404:
        raise DomainError(_("No such record in your projects."), field="project_id") from None
    require(user, project.pk, Capability.MANAGE_NOTICES)
    try:
        notice = services.notice_create(
            actor=user,
            project=project,
            title=payload.title,
            body=payload.body,
            category=payload.category.value,
            starts_at=_aware(payload.starts_at),
            ends_at=_aware(payload.ends_at),
            pinned=payload.pinned,
        )
    except DomainError as exc:
        raise _conflicts(exc) from exc
    return Status(201, _detail(user, access_notice(user, notice.pk)))


@router.patch("/notices/{notice_id}", response={200: NoticeOut, **WRITE_ERRORS})
def update_notice(request: ApiRequest, notice_id: int, payload: NoticeUpdateIn) -> Any:
    """Change the fields sent (in any state: a published notice may be corrected)."""
    user = request.auth
    notice = access_notice(user, notice_id)
    require(user, notice.project_id, Capability.MANAGE_NOTICES)
    fields = payload.model_dump(exclude_unset=True)
    for name in ("starts_at", "ends_at"):
        if name in fields:
            fields[name] = _aware(fields[name])
    if fields.get("category") is not None:
        fields["category"] = NoticeCategory(fields["category"]).value
    for name in ("title", "body", "category", "starts_at", "pinned"):
        if name in fields and fields[name] is None:
            fields.pop(name)  # null for a required field: nothing to change
    try:
        services.notice_update(actor=user, notice=notice, **fields)
    except DomainError as exc:
        raise _conflicts(exc) from exc
    return _detail(user, access_notice(user, notice_id))


def _transition(request: ApiRequest, notice_id: int, payload: NoticeActionIn, service: Any) -> Any:
    user = request.auth
    notice = access_notice(user, notice_id)
    require(user, notice.project_id, Capability.MANAGE_NOTICES)
    try:
        service(actor=user, notice=notice, note=payload.note)
    except DomainError as exc:
        raise _conflicts(exc) from exc
    return _detail(user, access_notice(user, notice_id))


@router.post("/notices/{notice_id}/publish", response={200: NoticeOut, **WRITE_ERRORS})
def publish_notice(request: ApiRequest, notice_id: int, payload: NoticeActionIn) -> Any:
    """Draft or withdrawn → published. 409 ``invalid_transition`` when already published."""
    return _transition(request, notice_id, payload, services.notice_publish)


@router.post("/notices/{notice_id}/withdraw", response={200: NoticeOut, **WRITE_ERRORS})
def withdraw_notice(request: ApiRequest, notice_id: int, payload: NoticeActionIn) -> Any:
    """Published → withdrawn (it leaves the portal at once). 409 when not published."""
    return _transition(request, notice_id, payload, services.notice_withdraw)
