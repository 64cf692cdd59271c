"""Benchmark-only views: the plain-Django ceiling for the unit list, and a hello view.

``ceiling_units`` runs the query the API's unit list runs — same filter, ordering, limit,
keyset condition and ``values()`` columns — and returns it with ``JsonResponse``: no
authentication, no scoping, no schema. Whatever the API costs on top of it is framework,
auth and validation overhead. ``ceiling_units_auth`` adds the token lookup and the scope,
splitting that overhead into "authentication" and "framework". ``benchmarks.run`` checks
that the SQL statements are identical before it reports a ratio.
"""

from __future__ import annotations

import base64
import json
from typing import Any

from django.db.models import F, Q, QuerySet
from django.http import HttpRequest, HttpResponse, JsonResponse

from wuye.places.models import Unit

UNIT_COLUMNS = ("id", "project_id", "building_id", "number", "floor", "use", "building_area")
UNIT_ORDER = ("project_id", "building_id", "number", "id")


def hello(request: HttpRequest) -> HttpResponse:
    return HttpResponse(b"hello", content_type="text/plain")


def _row_after(rest: list[str], values: list[Any]) -> Any:
    try:
        from wuye.api.pagination import RowAfter
    except ImportError:  # before the API exists: the equivalent OR-expansion
        cond = Q()
        for n in range(len(rest) - 1, -1, -1):
            step = Q(
                **{f"{rest[n]}__gt": values[n]}, **dict(zip(rest[:n], values[:n], strict=True))
            )
            cond = step if n == len(rest) - 1 else step | cond
        return cond
    return RowAfter(rest, values)


def _unit_page(request: HttpRequest, qs: QuerySet[Unit]) -> JsonResponse:
    project_id = int(request.GET["project"])
    limit = int(request.GET.get("limit", 50))
    qs = (
        qs.filter(project_id=project_id)
        .values(*UNIT_COLUMNS, building_name=F("building__name"))
        .order_by(*UNIT_ORDER)
    )
    cursor = request.GET.get("cursor")
    want = limit + 1
    if cursor:
        last = json.loads(base64.urlsafe_b64decode(cursor + "=" * (-len(cursor) % 4)))
        rows = list(
            qs.filter(_row_after(list(UNIT_ORDER[1:]), last[1:]), project_id=last[0])[:want]
        )
        if len(rows) < want:
            rows += list(qs.filter(project_id__gt=last[0])[: want - len(rows)])
    else:
        rows = list(qs[:want])
    has_more = len(rows) > limit
    rows = rows[:limit]
    next_cursor = None
    if has_more:
        raw = json.dumps([rows[-1][k] for k in UNIT_ORDER], separators=(",", ":")).encode()
        next_cursor = base64.urlsafe_b64encode(raw).decode().rstrip("=")
    for row in rows:
        if row["building_area"] is not None:
            row["building_area"] = str(row["building_area"])
    return JsonResponse({"items": rows, "next_cursor": next_cursor})


def ceiling_units(request: HttpRequest) -> JsonResponse:
    """The ceiling: the API's query without authentication. The scope's ``project_id IN``
    condition is spelled out so that the SQL is the API's, byte for byte."""
    project_id = int(request.GET["project"])
    return _unit_page(request, Unit.objects.filter(project_id__in=[project_id]))


def ceiling_units_auth(request: HttpRequest) -> JsonResponse:
    """The ceiling plus what any authenticated endpoint pays: the bearer-token lookup and
    the user's scope (one query each)."""
    from wuye.accounts.access import visible_units
    from wuye.accounts.tokens import token_authenticate

    header = request.headers.get("Authorization", "")
    user = token_authenticate(header.removeprefix("Bearer ").strip())
    if user is None:
        return JsonResponse({"error": "unauthorized"}, status=401)
    return _unit_page(request, visible_units(user))


def ceiling_tickets(request: HttpRequest) -> JsonResponse:
    """The ceiling of the ticket list: the API's query — ``ticket_list`` scoped to the
    caller, ``ticket_rows`` and the keyset page of ``wuye.api.routers.tickets_read`` — with
    the caller's scope handed in (``?user=<id>&project=<id>``) instead of looked up, and
    ``JsonResponse`` instead of ninja and the response schema. ``benchmarks.tickets`` checks
    that the SQL is the API's before it reports a ratio."""
    from django.core.serializers.json import DjangoJSONEncoder

    from wuye.accounts.access import Capability, Scope
    from wuye.accounts.models import User
    from wuye.api.routers import tickets_read as read
    from wuye.servicedesk.selectors import ticket_list

    project_id = int(request.GET["project"])
    user = User(pk=int(request.GET["user"]), is_active=True)
    # What scope_for would find for the project's manager, without the query.
    user._wuye_scope = Scope(user_id=user.pk, capabilities={project_id: frozenset(Capability)})
    page = read.ticket_page(
        user,
        read.ticket_rows(ticket_list(user=user, project_id=project_id)),
        cursor=request.GET.get("cursor"),
        limit=int(request.GET.get("limit", 50)),
        project_id=project_id,
    )
    return JsonResponse(page, encoder=DjangoJSONEncoder)
