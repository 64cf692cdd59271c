"""Work on a ticket over the API: return visits and ratings, fees and payments, materials,
attachments. Registered on ``tickets.router`` (see :mod:`wuye.api.routers.tickets`).
"""

from __future__ import annotations

from typing import Any

from django.http import Http404
from django.utils.translation import gettext_lazy as _
from ninja import File, Form, Status
from ninja.files import UploadedFile

from wuye.api.auth import ApiRequest
from wuye.api.routers import tickets_read as read
from wuye.api.routers.tickets import (
    TRANSITION,
    WRITE_ERRORS,
    _not_found,
    _service_errors,
    _transition,
    router,
)
from wuye.api.schemas import ErrorOut
from wuye.api.schemas_tickets import (
    AttachmentOut,
    ChargeIn,
    ChargeOut,
    FeeConfirmIn,
    FeeProposalIn,
    MaterialsIn,
    RateIn,
    ReturnVisitIn,
    ReturnVisitOut,
)
from wuye.core.errors import DomainError
from wuye.servicedesk import services
from wuye.servicedesk.models import AttachmentKind, AttachmentStage, PriceItem, Ticket
from wuye.servicedesk.selectors import access_ticket
from wuye.servicedesk.web.files import attachment_response

# --- return visits ---------------------------------------------------------------------------


@router.post("/tickets/{ticket_id}/return-visits", response={201: ReturnVisitOut, **WRITE_ERRORS})
def record_return_visit(request: ApiRequest, ticket_id: int, payload: ReturnVisitIn) -> Any:
    """One return-visit attempt (customer service). Satisfied / not satisfied finish the
    visit; ``follow_up`` rework or complaint (with not satisfied and a comment) registers a
    follow-up ticket, named in ``follow_up_ticket_id``."""
    user = request.auth
    ticket = access_ticket(user, ticket_id)
    with _service_errors():
        visit = services.ticket_return_visit_record(
            actor=user,
            ticket=ticket,
            outcome=payload.outcome.value,
            rating=payload.rating,
            comment=payload.comment,
            method=payload.method.value,
            follow_up=payload.follow_up.value,
        )
    return Status(201, read.return_visit_row(visit))


@router.post("/tickets/{ticket_id}/rate", response={201: ReturnVisitOut, **WRITE_ERRORS})
def rate_ticket(request: ApiRequest, ticket_id: int, payload: RateIn) -> Any:
    """The resident who reported a completed ticket rates it (1–5); this is its return
    visit (method ``portal``); 2 or less counts as not satisfied."""
    user = request.auth
    ticket = access_ticket(user, ticket_id)
    with _service_errors():
        visit = services.ticket_rate(
            actor=user, ticket=ticket, rating=payload.rating, comment=payload.comment
        )
    return Status(201, read.return_visit_row(visit))


# --- paid services ---------------------------------------------------------------------------


def _charge_lines(ticket: Ticket, lines: list[ChargeIn]) -> list[services.ChargeInput]:
    ids = {line.price_item_id for line in lines if line.price_item_id is not None}
    items = {p.pk: p for p in PriceItem.objects.filter(project_id=ticket.project_id, pk__in=ids)}
    built = []
    for i, line in enumerate(lines):
        item = None
        if line.price_item_id is not None:
            item = items.get(line.price_item_id)
            if item is None:
                raise _not_found(f"lines.{i}.price_item_id")
        built.append(
            services.ChargeInput(
                price_item=item,
                kind=line.kind.value,
                description=line.description,
                quantity=line.quantity,
                unit_price=line.unit_price,
            )
        )
    return built


@router.post("/tickets/{ticket_id}/fee", response=TRANSITION)
def propose_fee(request: ApiRequest, ticket_id: int, payload: FeeProposalIn) -> Any:
    """Propose the fee of a home repair or special service (the assignee or the desk),
    from price-list lines; replaces an earlier proposal. The customer confirms next."""
    return _transition(
        request,
        ticket_id,
        lambda user, t: services.fee_propose(
            actor=user, ticket=t, lines=_charge_lines(t, payload.lines)
        ),
    )


@router.post("/tickets/{ticket_id}/fee/confirm", response=TRANSITION)
def confirm_fee(request: ApiRequest, ticket_id: int, payload: FeeConfirmIn) -> Any:
    """The customer accepts or declines the proposed fee (the resident, or customer service
    on their behalf with a ``note`` saying how)."""
    return _transition(
        request,
        ticket_id,
        lambda user, t: services.fee_confirm(
            actor=user, ticket=t, accepted=payload.accepted, note=payload.note
        ),
    )


@router.post("/tickets/{ticket_id}/fee/payment", response=TRANSITION)
def record_fee_payment(request: ApiRequest, ticket_id: int) -> Any:
    """Customer service records the payment of a confirmed fee once the work is done; the
    ticket gets its receipt number."""
    return _transition(
        request,
        ticket_id,
        lambda user, t: services.fee_record_payment(actor=user, ticket=t),
    )


@router.post("/tickets/{ticket_id}/materials", response={200: list[ChargeOut], **WRITE_ERRORS})
def record_materials(request: ApiRequest, ticket_id: int, payload: MaterialsIn) -> Any:
    """The materials used (not charged to the customer); replaces the earlier list."""
    user = request.auth
    ticket = access_ticket(user, ticket_id)
    with _service_errors():
        charges = services.materials_record(
            actor=user, ticket=ticket, lines=_charge_lines(ticket, payload.lines)
        )
    return [read.charge_row(c) for c in charges]


# --- attachments -----------------------------------------------------------------------------


@router.post("/tickets/{ticket_id}/attachments", response={201: AttachmentOut, **WRITE_ERRORS})
def upload_attachment(
    request: ApiRequest,
    ticket_id: int,
    file: File[UploadedFile | None] = None,
    kind: Form[AttachmentKind] = AttachmentKind.PHOTO,
    stage: Form[AttachmentStage] = AttachmentStage.REPORT,
) -> Any:
    """Multipart upload of a photo (JPEG, PNG, WEBP, HEIC), a signature (PNG) or a file
    (image or PDF), at most 10 MB; the type is read from the content. Residents may add
    photos to their own report. (``file`` is checked after the ticket, so a ticket out of
    scope is 404 whatever the body.)"""
    user = request.auth
    ticket = access_ticket(user, ticket_id)
    if file is None:
        raise DomainError(_("This field is required."), field="file")
    with _service_errors():
        attachment = services.attachment_add(
            actor=user, ticket=ticket, upload=file, kind=kind.value, stage=stage.value
        )
    return Status(201, read.attachment_row(attachment))


@router.get(
    "/tickets/{ticket_id}/attachments/{attachment_id}",
    response={frozenset({401, 404}): ErrorOut},
    openapi_extra={
        "responses": {
            "200": {
                "description": "The file, with the content type detected at upload.",
                "content": {"application/octet-stream": {"schema": {"type": "string"}}},
            }
        }
    },
)
def download_attachment(request: ApiRequest, ticket_id: int, attachment_id: int) -> Any:
    """The file of an attachment (what ``url`` serves to a signed-in browser), for API
    clients with a bearer token."""
    user = request.auth
    ticket = access_ticket(user, ticket_id)
    if not ticket.attachments.filter(pk=attachment_id).exists():
        raise Http404
    return attachment_response(user, attachment_id)
