"""Return visits (回访): the desk calls the customer back, or the resident rates in the portal.

Every attempt is a :class:`ReturnVisit` row. Unreachable / call again leave the ticket completed
with its return-visit clock running; satisfied / not satisfied move it to *return visited*,
stop the clock and store the outcome and rating on the ticket. "Not satisfied" may be followed
up: ``rework`` reopens the ticket (a linked rework ticket, :func:`ticket_reopen`), ``complaint``
registers a complaint about it. A complaint confirmed satisfied is completed and gets its own
return visit the same way (seed part 3 §4.1.2, part 4 客户服务 29: every repair and complaint).
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Collection
from typing import Any

from django.db import transaction
from django.utils.translation import gettext
from django.utils.translation import gettext_lazy as _

from wuye.core.errors import DomainError, PermissionDenied
from wuye.servicedesk.clocks import clocks_stop
from wuye.servicedesk.models import (
    Channel,
    Family,
    FollowUp,
    ReturnVisit,
    ReturnVisitMethod,
    ReturnVisitOutcome,
    Ticket,
    TicketKind,
)
from wuye.servicedesk.services._common import (
    K,
    S,
    _event,
    _is_reporter,
    _locked,
    _move,
    _now,
    _require_desk,
    _require_state,
    _user,
)
from wuye.servicedesk.services.register import ticket_register
from wuye.servicedesk.services.work import ticket_reopen

O = ReturnVisitOutcome  # noqa: E741

#: Outcomes that reached the customer: the return visit is done.
REACHED = (O.SATISFIED, O.NOT_SATISFIED)
#: A portal rating of this or lower counts as "not satisfied".
NOT_SATISFIED_AT_MOST = 2

_VISITABLE: dict[Family, Collection[str]] = {
    Family.WORK: {S.COMPLETED},
    Family.COMPLAINT: {S.COMPLETED},
}


def _check_rating(rating: Any, *, required: bool) -> int | None:
    if rating is None:
        if required:
            raise DomainError(_("Give a rating from 1 to 5."), field="rating")
        return None
    if isinstance(rating, bool) or not isinstance(rating, int) or not 1 <= rating <= 5:
        raise DomainError(_("The rating is from 1 to 5."), field="rating")
    return rating


def ticket_return_visit_record(
    *,
    actor: Any,
    ticket: Ticket,
    outcome: str,
    rating: int | None = None,
    comment: str = "",
    method: str = ReturnVisitMethod.PHONE,
    follow_up: str = FollowUp.NONE,
    now: dt.datetime | None = None,
) -> ReturnVisit:
    """Record one return-visit attempt on a completed ticket (customer service only).

    ``outcome`` satisfied / not satisfied: the ticket becomes *return visited*, its return-visit
    clock stops, ``return_visit_outcome`` and ``rating`` are stored on it. Unreachable / call
    again: only the attempt is recorded (no rating), the clock runs on. ``follow_up`` (only
    with not satisfied, ``comment`` required): ``rework`` reopens the ticket with the comment
    as reason, ``complaint`` registers a complaint quoting the ticket; the new ticket is
    ``follow_up_ticket`` of the returned visit.
    """
    at = _now(now)
    comment = comment.strip()
    if outcome not in O.values:
        raise DomainError(_("Choose a valid outcome."), field="outcome")
    if method not in (ReturnVisitMethod.PHONE, ReturnVisitMethod.VISIT):
        raise DomainError(_("Choose a valid return-visit method."), field="method")
    if follow_up not in FollowUp.values:
        raise DomainError(_("Choose a valid follow-up."), field="follow_up")
    rating = _check_rating(rating, required=False)
    if outcome not in REACHED and rating is not None:
        raise DomainError(_("Only a customer who was reached can give a rating."), field="rating")
    if follow_up and outcome != O.NOT_SATISFIED:
        raise DomainError(
            _("A follow-up is only possible when the customer is not satisfied."),
            field="follow_up",
        )
    if follow_up and not comment:
        raise DomainError(
            _("Say what the customer is not satisfied with: the follow-up ticket quotes it."),
            field="comment",
        )
    with transaction.atomic():
        t = _locked(ticket)
        _require_desk(actor, t)
        _require_state(t, "return_visit", _VISITABLE)
        visit = ReturnVisit.objects.create(
            ticket=t,
            at=at,
            actor=_user(actor),
            method=method,
            outcome=outcome,
            rating=rating,
            comment=comment,
            follow_up=follow_up,
        )
        data: dict[str, Any] = {
            "return_visit": visit.pk,
            "outcome": outcome,
            "rating": rating,
            "method": method,
        }
        if outcome not in REACHED:
            _event(t, actor=actor, now=at, code="return_visit_attempted", note=comment, data=data)
            return visit
        if follow_up:
            data["follow_up"] = follow_up
        _move(
            t,
            actor=actor,
            now=at,
            to=S.RETURN_VISITED,
            code="return_visited",
            note=comment,
            data=data,
            fields={"return_visit_outcome": outcome, "rating": rating},
        )
        clocks_stop(t, (K.RETURN_VISIT,), now=at)
        if follow_up == FollowUp.REWORK:
            visit.follow_up_ticket = ticket_reopen(actor=actor, ticket=t, reason=comment, now=at)
        elif follow_up == FollowUp.COMPLAINT:
            visit.follow_up_ticket = _raise_complaint(
                actor=actor, ticket=t, comment=comment, now=at
            )
        if visit.follow_up_ticket is not None:
            visit.save(update_fields=["follow_up_ticket"])
        return visit


def _raise_complaint(*, actor: Any, ticket: Ticket, comment: str, now: dt.datetime) -> Ticket:
    """A complaint about ``ticket`` on the customer's behalf (same project, place and reporter,
    taken by phone), with an event on the original pointing to it."""
    # The description is stored text, written in the language active for the desk user.
    description = gettext("Return visit of %(number)s: the customer is not satisfied. %(comment)s")
    complaint = ticket_register(
        actor=actor,
        project=ticket.project,
        kind=TicketKind.COMPLAINT,
        description=description % {"number": ticket.number, "comment": comment},
        channel=Channel.PHONE,
        category=ticket.category,
        unit=ticket.unit,
        building=ticket.building,
        place=ticket.place,
        reporter=ticket.reporter,
        reporter_name=ticket.reporter_name,
        reporter_phone=ticket.reporter_phone,
        now=now,
    )
    _event(
        ticket,
        actor=actor,
        now=now,
        code="complaint_raised",
        from_state=ticket.state,
        to_state=ticket.state,
        note=comment,
        data={"complaint": complaint.number},
    )
    return complaint


def ticket_rate(
    *,
    actor: Any,
    ticket: Ticket,
    rating: int,
    comment: str = "",
    now: dt.datetime | None = None,
) -> ReturnVisit:
    """The reporting resident rates a completed ticket in the portal (1–5 and a comment).

    It counts as the return visit (method *portal*): the ticket becomes *return visited* and
    the return-visit clock stops; a rating of :data:`NOT_SATISFIED_AT_MOST` or lower is
    "not satisfied". A ticket already return visited cannot be rated again (code
    ``already_rated``). The resident may still reopen it as rework.
    """
    at = _now(now)
    checked = _check_rating(rating, required=True)
    assert checked is not None
    comment = comment.strip()
    with transaction.atomic():
        t = _locked(ticket)
        if not _is_reporter(actor, t):
            raise PermissionDenied(_("Only the resident who reported this ticket can rate it."))
        if t.return_visit_outcome:
            raise DomainError(
                _("Ticket %(number)s has had its return visit already; it cannot be rated again.")
                % {"number": t.number},
                code="already_rated",
            )
        _require_state(t, "return_visit", _VISITABLE)
        outcome = O.SATISFIED if checked > NOT_SATISFIED_AT_MOST else O.NOT_SATISFIED
        visit = ReturnVisit.objects.create(
            ticket=t,
            at=at,
            actor=_user(actor),
            method=ReturnVisitMethod.PORTAL,
            outcome=outcome,
            rating=checked,
            comment=comment,
        )
        _move(
            t,
            actor=actor,
            now=at,
            to=S.RETURN_VISITED,
            code="return_visited",
            note=comment,
            data={
                "return_visit": visit.pk,
                "outcome": outcome.value,
                "rating": checked,
                "method": ReturnVisitMethod.PORTAL.value,
            },
            fields={"return_visit_outcome": outcome, "rating": checked},
        )
        clocks_stop(t, (K.RETURN_VISIT,), now=at)
        return visit
