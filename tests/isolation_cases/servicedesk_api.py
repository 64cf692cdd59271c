"""Access cases of the ticket API (``wuye/api/routers/tickets.py``).

Every route names the p1 ticket (``p1_ticket``: 1-101, reported by 张三). Writes send a
valid body, so that what answers an outsider is the scope (404), not input validation; the
insider (a company admin of p1's company) may get 200, 403 or 409 — anything but 404.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

from tests.isolation_support import Case, p1_attachment, p1_ticket


def _ticket(suffix: str = "") -> Callable[[Any], str]:
    return lambda w: f"/api/v1/tickets/{p1_ticket(w).pk}{suffix}"


def _completed(w: Any) -> Any:
    """The p1 ticket, worked through to completed (its return visit due)."""
    from wuye.servicedesk import services as s

    ticket = p1_ticket(w)
    if ticket.state != "completed":
        s.ticket_dispatch(actor=w.desk, ticket=ticket, assignee=w.tech)
        s.ticket_accept(actor=w.tech, ticket=ticket)
        s.ticket_arrive(actor=w.tech, ticket=ticket)
        s.ticket_start(actor=w.tech, ticket=ticket)
        ticket = s.ticket_complete(actor=w.tech, ticket=ticket)
        w._p1_ticket = ticket
    return ticket


def _attachment(w: Any) -> str:
    attachment = p1_attachment(w)
    return f"/api/v1/tickets/{attachment.ticket_id}/attachments/{attachment.pk}"


def _post(suffix: str, data: Callable[[Any], dict[str, Any]] = lambda w: {}) -> Case:
    return Case("object", _ticket(suffix), method="post", api=True, data=data)


CASES: dict[str, Case] = {
    "api-v1:list_tickets": Case("list", lambda w: (p1_ticket(w), "/api/v1/tickets")[1], api=True),
    "api-v1:create_ticket": Case(
        "create",
        lambda w: "/api/v1/tickets",
        method="post",
        api=True,
        data=lambda w: {"kind": "repair_unit", "unit_id": w.u1.pk, "description": "某人报修"},
    ),
    "api-v1:get_ticket": Case("object", _ticket(), api=True),
    "api-v1:list_ticket_return_visits": Case("object", _ticket("/return-visits"), api=True),
    "api-v1:suggest_assignees": Case("object", _ticket("/suggestions"), api=True),
    "api-v1:list_return_visits_due": Case(
        "list", lambda w: (_completed(w), "/api/v1/return-visits")[1], api=True
    ),
    "api-v1:dispatch_ticket": _post("/dispatch"),
    "api-v1:reassign_ticket": _post(
        "/reassign", lambda w: {"assignee_id": w.tech.pk, "reason": "换人"}
    ),
    "api-v1:grab_ticket": _post("/grab"),
    "api-v1:accept_ticket": _post("/accept"),
    "api-v1:arrive_ticket": _post("/arrive"),
    "api-v1:start_ticket": _post("/start"),
    "api-v1:pause_ticket": _post("/pause", lambda w: {"reason": "waiting_parts"}),
    "api-v1:resume_ticket": _post("/resume"),
    "api-v1:complete_ticket": _post("/complete"),
    "api-v1:close_ticket": _post("/close"),
    "api-v1:cancel_ticket": _post("/cancel", lambda w: {"reason": "重复"}),
    "api-v1:reopen_ticket": _post("/reopen", lambda w: {"reason": "又坏了"}),
    "api-v1:acknowledge_ticket": _post("/acknowledge"),
    "api-v1:report_ticket_result": _post("/report-result", lambda w: {"note": "已处理"}),
    "api-v1:confirm_ticket": _post("/confirm", lambda w: {"satisfied": True}),
    "api-v1:record_return_visit": _post("/return-visits", lambda w: {"outcome": "satisfied"}),
    "api-v1:rate_ticket": _post("/rate", lambda w: {"rating": 5}),
    "api-v1:propose_fee": _post(
        "/fee", lambda w: {"lines": [{"description": "上门费", "unit_price": "10"}]}
    ),
    "api-v1:confirm_fee": _post("/fee/confirm", lambda w: {"accepted": True}),
    "api-v1:record_fee_payment": _post("/fee/payment"),
    "api-v1:record_materials": _post(
        "/materials", lambda w: {"lines": [{"description": "生料带", "unit_price": "2"}]}
    ),
    # JSON, not multipart: the scope answers before the missing file is noticed
    "api-v1:upload_attachment": _post("/attachments"),
    "api-v1:download_attachment": Case("object", _attachment, api=True),
}
