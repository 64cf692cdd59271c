"""Read side of the ticket endpoints: row fields, keyset pages, the detail.

Tickets are listed by project, then newest first: ``(project_id, -created_at, -id)``. The
project is a *partition* as in :mod:`wuye.api.pagination` (one index seek per project,
``ticket_project_created``); inside it the page continues with the row comparison
``(created_at, id) < (last created_at, last id)``, which that module has only in the
ascending direction, hence :class:`RowBefore` here.
"""

from __future__ import annotations

import base64
import binascii
import datetime as dt
import json
from collections.abc import Callable, Iterable, Sequence
from typing import TYPE_CHECKING, Any

from django.db.models import CharField, F, OuterRef, Q, QuerySet, Subquery, Value
from django.db.models.functions import Coalesce, Concat, NullIf, Trim
from django.http import Http404
from django.urls import NoReverseMatch, reverse
from django.utils import timezone

from wuye.accounts.access import Capability, scope_for
from wuye.accounts.models import User
from wuye.api.pagination import InvalidCursor, RowAfter
from wuye.audit.services import audit_record
from wuye.servicedesk import sla
from wuye.servicedesk.models import (
    ReturnVisit,
    Ticket,
    TicketAttachment,
    TicketCharge,
    TicketClock,
)
from wuye.servicedesk.selectors import visible_tickets
from wuye.servicedesk.selectors_fees import line_amount

if TYPE_CHECKING:
    from django.db.backends.base.base import BaseDatabaseWrapper
    from django.db.models.sql.compiler import SQLCompiler


def user_name(prefix: str) -> Coalesce:
    """``str(user)`` in SQL: display name, else "first last", else username (NULL when the
    relation is empty)."""
    full = Trim(
        Concat(
            F(f"{prefix}__first_name"),
            Value(" "),
            F(f"{prefix}__last_name"),
            output_field=CharField(),
        )
    )
    return Coalesce(
        NullIf(F(f"{prefix}__display_name"), Value("")),
        NullIf(full, Value("")),
        F(f"{prefix}__username"),
        output_field=CharField(),
    )


TICKET_FIELDS = (
    "id",
    "number",
    "project_id",
    "kind",
    "category_id",
    "urgency",
    "state",
    "channel",
    "unit_id",
    "building_id",
    "place",
    "reporter_id",
    "reporter_name",
    "reporter_phone",
    "description",
    "assignee_id",
    "team_id",
    "appointment_at",
    "fee_state",
    "fee_total",
    "rating",
    "reopened_from_id",
    "created_at",
    "updated_at",
    "completed_at",
    "closed_at",
)
DETAIL_FIELDS = (
    "resume_state",
    "cancel_reason",
    "return_visit_outcome",
    "fee_confirmed_at",
    "receipt_number",
    "paid_at",
)


def _joined() -> dict[str, Any]:
    running = TicketClock.objects.filter(ticket=OuterRef("pk"), stopped_at__isnull=True)
    return {
        "project_name": F("project__name"),
        "category_name": F("category__name"),
        "unit_number": F("unit__number"),
        "building_name": F("building__name"),
        "assignee_name": user_name("assignee"),
        "team_name": F("team__name"),
        "next_due_at": Subquery(running.order_by("due_at").values("due_at")[:1]),
    }


def ticket_rows(qs: QuerySet[Ticket], *extra: str) -> QuerySet[Any]:
    """``values()`` rows of ``TicketOut`` (plus ``extra`` model fields), one query."""
    rows: QuerySet[Any] = qs.values(*TICKET_FIELDS, *extra, **_joined())
    return rows


def _row(user: Any, ticket_id: int, *extra: str) -> dict[str, Any]:
    row: dict[str, Any] | None = ticket_rows(
        visible_tickets(user).filter(pk=ticket_id), *extra
    ).first()
    if row is None:  # e.g. the caller's scope changed since the ticket was made
        raise Http404
    return row


def ticket_summary(user: Any, ticket_id: int) -> dict[str, Any]:
    """One ticket as listed (the body of ``POST /tickets``)."""
    return _row(user, ticket_id)


# --- keyset pages ----------------------------------------------------------------------------


class RowBefore(RowAfter):
    """``(c1, c2, …) < (v1, v2, …)``: the descending twin of :class:`RowAfter` (same
    precondition: NOT NULL columns)."""

    def as_sql(
        self, compiler: SQLCompiler, connection: BaseDatabaseWrapper, **extra: Any
    ) -> tuple[str, tuple[Any, ...]]:
        lhs: list[str] = []
        rhs: list[str] = []
        params: list[Any] = []
        for column in self.columns:
            sql, column_params = compiler.compile(column)
            lhs.append(sql)
            params.extend(column_params)
        for column, value in zip(self.columns, self.values, strict=True):
            sql, value_params = compiler.compile(Value(value, output_field=column.output_field))
            rhs.append(sql)
            params.extend(value_params)
        return f"({', '.join(lhs)}) < ({', '.join(rhs)})", tuple(params)


ORDER = ("project_id", "-created_at", "-id")


def encode_cursor(values: Sequence[int | dt.datetime]) -> str:
    plain = [v.isoformat() if isinstance(v, dt.datetime) else v for v in values]
    raw = json.dumps(plain, separators=(",", ":")).encode()
    return base64.urlsafe_b64encode(raw).decode().rstrip("=")


def decode_cursor(cursor: str, types: Sequence[type]) -> list[Any]:
    """The values of a cursor made by :func:`encode_cursor`, checked against ``types`` (``int`` or
    ``dt.datetime``, aware); anything else is ``InvalidCursor`` (422)."""
    try:
        raw = base64.urlsafe_b64decode(cursor + "=" * (-len(cursor) % 4))
        values = json.loads(raw)
    except (binascii.Error, ValueError):
        raise InvalidCursor from None
    if not isinstance(values, list) or len(values) != len(types):
        raise InvalidCursor
    decoded: list[Any] = []
    for kind, value in zip(types, values, strict=True):
        if kind is dt.datetime:
            try:
                moment = dt.datetime.fromisoformat(value)
            except (TypeError, ValueError):
                raise InvalidCursor from None
            if not timezone.is_aware(moment):
                raise InvalidCursor
            decoded.append(moment)
        elif isinstance(value, int) and not isinstance(value, bool):
            decoded.append(value)
        else:
            raise InvalidCursor
    return decoded


def ticket_page(
    user: Any,
    rows: QuerySet[Any],
    *,
    cursor: str | None,
    limit: int,
    project_id: int | None = None,
) -> dict[str, Any]:
    """One page of ticket rows after ``cursor``: one query, or two when the page runs past
    the end of the cursor's project and no ``project_id`` filter pins it.

    The later projects are named from the scope (an index seek each, as in
    :func:`wuye.api.pagination.paginate`), plus "any later project" for the tickets the
    caller reported as a resident, which the scope does not list.
    """
    rows = rows.order_by(*ORDER)
    want = limit + 1
    if not cursor:
        items = list(rows[:want])
    else:
        project, created_at, pk = decode_cursor(cursor, (int, dt.datetime, int))
        inside = rows.filter(RowBefore(["created_at", "id"], [created_at, pk]), project_id=project)
        items = list(inside[:want])
        if len(items) < want and project_id is None:
            scope = scope_for(user)
            if scope.is_superuser:
                later = rows.filter(project_id__gt=project)
            else:
                after = sorted(p for p in scope.project_ids if p > project)
                later = rows.filter(
                    Q(project_id__in=after) | Q(project_id__gt=project, reporter__user=user)
                )
            items += list(later[: want - len(items)])
    has_more = len(items) > limit
    items = items[:limit]
    last = items[-1] if has_more else None
    return {
        "items": items,
        "next_cursor": encode_cursor([last["project_id"], last["created_at"], last["id"]])
        if last
        else None,
    }


QUEUE_FIELDS = ("return_visit_due", "overdue", "attempts", "last_attempt_at", "last_outcome")


def queue_page(qs: QuerySet[Ticket], *, cursor: str | None, limit: int) -> dict[str, Any]:
    """A page of the return-visit queue (soonest due first), keyset over
    ``(return_visit_due, id)``: a visit recorded meanwhile drops its ticket out of the queue
    without shifting the rows after the cursor."""
    rows = ticket_rows(qs, *QUEUE_FIELDS).order_by("return_visit_due", "id")
    if cursor:
        due, pk = decode_cursor(cursor, (dt.datetime, int))
        rows = rows.filter(RowAfter(["return_visit_due", "id"], [due, pk]))
    items = list(rows[: limit + 1])
    has_more = len(items) > limit
    items = items[:limit]
    last = items[-1] if has_more else None
    return {
        "items": items,
        "next_cursor": encode_cursor([last["return_visit_due"], last["id"]]) if last else None,
    }


# --- the detail ------------------------------------------------------------------------------


def _seconds(value: dt.timedelta) -> int:
    return int(value.total_seconds())


def clock_rows(ticket: Ticket, *, now: dt.datetime) -> list[dict[str, Any]]:
    """Every clock of the ticket with its status at ``now`` (two queries)."""
    pauses = [p.as_pause() for p in ticket.pauses.all()]
    rows = []
    for clock in ticket.clocks.order_by("started_at", "id"):
        status = sla.clock_status(
            clock.rule,
            clock.started_at,
            ticket.project,
            pauses,
            now=max(now, clock.started_at),
            stopped_at=clock.stopped_at,
        )
        rows.append(
            {
                "kind": clock.kind,
                "basis": clock.basis,
                "state": status.state.value,
                "started_at": clock.started_at,
                "due_at": status.due_at,
                "stopped_at": clock.stopped_at,
                "breached_at": status.breached_at,
                "voided": clock.voided,
                "remaining_seconds": _seconds(status.remaining),
                "remaining_in_basis_seconds": _seconds(status.remaining_in_basis),
                "paused_seconds": _seconds(status.paused_total),
            }
        )
    return rows


def _attachment_url(pk: int) -> str | None:
    try:
        return reverse("desk:attachment", args=[pk])
    except NoReverseMatch:
        return None


def attachment_row(attachment: TicketAttachment) -> dict[str, Any]:
    return {
        "id": attachment.pk,
        "kind": attachment.kind,
        "stage": attachment.stage,
        "name": attachment.name,
        "content_type": attachment.content_type,
        "size": attachment.size,
        "created_at": attachment.created_at,
        "url": _attachment_url(attachment.pk),
        "api_url": reverse(
            "api-v1:download_attachment", args=[attachment.ticket_id, attachment.pk]
        ),
    }


def charge_row(charge: TicketCharge) -> dict[str, Any]:
    return {
        "id": charge.pk,
        "price_item_id": charge.price_item_id,
        "kind": charge.kind,
        "description": charge.description,
        "quantity": charge.quantity,
        "unit_price": charge.unit_price,
        "list_price": charge.list_price,
        "chargeable": charge.chargeable,
        "amount": line_amount(charge),
    }


def _name(user: User | None) -> str | None:
    return str(user) if user is not None else None


def return_visit_row(visit: ReturnVisit) -> dict[str, Any]:
    return {
        "id": visit.pk,
        "ticket_id": visit.ticket_id,
        "at": visit.at,
        "actor_id": visit.actor_id,
        "actor_name": _name(visit.actor),
        "method": visit.method,
        "outcome": visit.outcome,
        "rating": visit.rating,
        "comment": visit.comment,
        "follow_up": visit.follow_up,
        "follow_up_ticket_id": visit.follow_up_ticket_id,
    }


def return_visit_rows(ticket: Ticket) -> list[dict[str, Any]]:
    visits = ticket.return_visits.select_related("actor").order_by("at", "id")
    return [return_visit_row(v) for v in visits]


def _rows(items: Iterable[Any], build: Callable[[Any], dict[str, Any]]) -> list[dict[str, Any]]:
    return [build(item) for item in items]


def ticket_detail(user: Any, ticket: Ticket, *, reveal: bool) -> dict[str, Any]:
    """``TicketDetailOut`` of a ticket the caller may see (fetched with ``access_ticket`` or
    returned by a service: ``ticket.project`` loaded).

    ``reveal``: fill ``reporter_phone_full`` when the caller holds ``view_personal_data`` in
    the ticket's project, leaving an audit record (only ``GET /tickets/{id}`` asks).
    """
    now = timezone.now()
    row = _row(user, ticket.pk, *DETAIL_FIELDS)
    full_phone = None
    if (
        reveal
        and row["reporter_phone"]
        and scope_for(user).can(ticket.project_id, Capability.VIEW_PERSONAL_DATA)
    ):
        full_phone = row["reporter_phone"]
        audit_record(
            actor=user,
            action="servicedesk.ticket.personal_data_viewed",
            instance=ticket,
            now=now,
        )
    events = ticket.events.select_related("actor").order_by("at", "id")
    return {
        **row,
        "reporter_phone_full": full_phone,
        "clocks": clock_rows(ticket, now=now),
        "events": [
            {
                "id": e.pk,
                "at": e.at,
                "code": e.code,
                "from_state": e.from_state,
                "to_state": e.to_state,
                "note": e.note,
                "actor_id": e.actor_id,
                "actor_name": _name(e.actor),
                "data": e.data or {},
            }
            for e in events
        ],
        "attachments": _rows(ticket.attachments.order_by("created_at", "id"), attachment_row),
        "charges": _rows(ticket.charges.order_by("id"), charge_row),
        "return_visits": return_visit_rows(ticket),
    }
