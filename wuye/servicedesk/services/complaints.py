"""Complaint transitions: acknowledge, report the result, the complainant confirms.

A complaint confirmed satisfied is *completed*; its return visit
(:mod:`wuye.servicedesk.services.visits`) and ``ticket_close`` finish it like a repair.
"""

from __future__ import annotations

import datetime as dt
from typing import Any

from django.db import transaction
from django.utils.translation import gettext_lazy as _

from wuye.core.errors import DomainError
from wuye.servicedesk.clocks import clocks_start, clocks_stop
from wuye.servicedesk.models import (
    Family,
    Ticket,
)

# --- complaints ------------------------------------------------------------------------------
from wuye.servicedesk.services._common import (
    K,
    S,
    _locked,
    _move,
    _now,
    _require_desk,
    _require_staff_or_reporter,
    _require_state,
    _simple,
)


def ticket_acknowledge(
    *, actor: Any, ticket: Ticket, note: str = "", now: dt.datetime | None = None
) -> Ticket:
    """First feedback to the complainant; the actor becomes the handler if none is set.
    Stops the complaint first-feedback clock."""
    at = _now(now)
    with transaction.atomic():
        t = _locked(ticket)
        _require_desk(actor, t)
        _require_state(t, "acknowledge", {Family.COMPLAINT: {S.REGISTERED}})
        fields = {"assignee": actor} if t.assignee_id is None else {}
        _move(
            t, actor=actor, now=at, to=S.ACKNOWLEDGED, code="acknowledged", note=note, fields=fields
        )
        clocks_stop(t, (K.COMPLAINT_FIRST_FEEDBACK,), now=at)
        return t


def ticket_report_result(
    *, actor: Any, ticket: Ticket, note: str, now: dt.datetime | None = None
) -> Ticket:
    """Report the handling result to the complainant (``note`` required)."""
    if not note.strip():
        raise DomainError(_("Describe the result."), field="note")
    return _simple(
        actor=actor,
        ticket=ticket,
        now=now,
        action="report_result",
        allowed={Family.COMPLAINT: {S.ACKNOWLEDGED, S.HANDLING}},
        to={Family.COMPLAINT: S.RESULT_REPORTED},
        code="result_reported",
        note=note.strip(),
    )


def ticket_confirm(
    *,
    actor: Any,
    ticket: Ticket,
    satisfied: bool,
    note: str = "",
    now: dt.datetime | None = None,
) -> Ticket:
    """The complainant's verdict (recorded by them or by the desk): satisfied completes the
    complaint (``completed_at``), stops the final-reply clock and starts the return-visit
    clock — the return visit then leads to closing, as for a repair; not satisfied sends it
    back to handling with the final-reply clock still running."""
    at = _now(now)
    with transaction.atomic():
        t = _locked(ticket)
        _require_staff_or_reporter(actor, t)
        _require_state(t, "confirm", {Family.COMPLAINT: {S.RESULT_REPORTED}})
        data = {"satisfied": satisfied}
        if not satisfied:
            return _move(
                t, actor=actor, now=at, to=S.HANDLING, code="not_satisfied", note=note, data=data
            )
        _move(
            t,
            actor=actor,
            now=at,
            to=S.COMPLETED,
            code="confirmed",
            note=note,
            data=data,
            fields={"completed_at": at},
        )
        clocks_stop(t, (K.COMPLAINT_FINAL_REPLY,), now=at)
        clocks_start(t, (K.RETURN_VISIT,), now=at)
        return t
