"""Photos, files and the customer's signature of a ticket.

Uploads are checked by their content, never by their name or the browser's content type:
photos must be JPEG, PNG, WEBP or HEIC/HEIF (the magic bytes, HEIC by its ``ftyp`` box),
signatures PNG, other files an image or a PDF; at most :data:`MAX_UPLOAD_BYTES`. They go
to the private storage (no public URL) under a name of our own and are served by the scoped
view :func:`wuye.servicedesk.web.files.attachment_view` with the content type detected here.

Who may add: customer service, the assignee (field staff), the staff member who registered
the ticket (photos of the report), and the resident who reported it (photos of the report).
"""

from __future__ import annotations

import base64
import binascii
import datetime as dt
import os
from dataclasses import dataclass
from typing import TYPE_CHECKING, Any

from django.core.files.base import ContentFile, File
from django.db import transaction
from django.utils.translation import gettext_lazy as _

from wuye.core.errors import DomainError, PermissionDenied
from wuye.servicedesk.models import AttachmentKind, AttachmentStage, Ticket, TicketAttachment
from wuye.servicedesk.services._common import (
    S,
    _event,
    _is_desk,
    _is_field,
    _is_reporter,
    _locked,
    _now,
    _user,
)

if TYPE_CHECKING:
    from django_stubs_ext import StrOrPromise

#: Phone photos are 2–6 MB; 10 MB leaves room without letting the disk fill up quickly.
MAX_UPLOAD_BYTES = 10 * 1024 * 1024
#: A signature canvas exported as PNG is a few KB to ~100 KB; the limit is on the data URL.
MAX_SIGNATURE_CHARS = 700_000
#: Per ticket, so that a loop (or a hostile client) cannot fill the storage.
MAX_ATTACHMENTS_PER_TICKET = 30

_CLOSED = {S.CLOSED, S.CANCELLED}


@dataclass(frozen=True)
class Sniffed:
    content_type: str
    extension: str


_HEIC_BRANDS = {b"heic", b"heix", b"heim", b"heis", b"hevc", b"hevx", b"hevm", b"hevs"}
_HEIF_BRANDS = {b"mif1", b"msf1"}


def sniff(head: bytes) -> Sniffed | None:
    """The type of a file from its first bytes (``None`` when not one we accept)."""
    if head.startswith(b"\xff\xd8\xff"):
        return Sniffed("image/jpeg", "jpg")
    if head.startswith(b"\x89PNG\r\n\x1a\n"):
        return Sniffed("image/png", "png")
    if len(head) >= 12 and head[:4] == b"RIFF" and head[8:12] == b"WEBP":
        return Sniffed("image/webp", "webp")
    if len(head) >= 12 and head[4:8] == b"ftyp":
        brand = head[8:12]
        if brand in _HEIC_BRANDS:
            return Sniffed("image/heic", "heic")
        if brand in _HEIF_BRANDS:
            return Sniffed("image/heif", "heif")
    if head.startswith(b"%PDF-"):
        return Sniffed("application/pdf", "pdf")
    return None


_IMAGES = {"image/jpeg", "image/png", "image/webp", "image/heic", "image/heif"}
ALLOWED_TYPES: dict[str, set[str]] = {
    AttachmentKind.PHOTO: _IMAGES,
    AttachmentKind.SIGNATURE: {"image/png"},
    AttachmentKind.FILE: _IMAGES | {"application/pdf"},
}
_TYPE_ERRORS: dict[str, StrOrPromise] = {
    AttachmentKind.PHOTO: _("This is not a photo: upload a JPEG, PNG, WEBP or HEIC image."),
    AttachmentKind.SIGNATURE: _("A signature must be a PNG image."),
    AttachmentKind.FILE: _("Upload an image (JPEG, PNG, WEBP, HEIC) or a PDF."),
}


def _require_may_attach(actor: Any, ticket: Ticket, *, kind: str, stage: str) -> None:
    pid = ticket.project_id
    if _is_desk(actor, pid):
        return
    actor_id = getattr(actor, "pk", None)
    if _is_field(actor, pid) and (
        ticket.assignee_id == actor_id
        or (stage == AttachmentStage.REPORT and ticket.created_by_id == actor_id)
    ):
        return
    if _is_reporter(actor, ticket):
        if stage == AttachmentStage.REPORT and kind == AttachmentKind.PHOTO:
            return
        raise PermissionDenied(_("Residents can add photos to their report only."))
    raise PermissionDenied(
        _("Only customer service, the assignee or the reporter can add attachments.")
    )


def _clean_name(name: str | None, fallback: str) -> str:
    base = os.path.basename((name or "").replace("\\", "/")).strip()
    return (base or fallback)[:200]


def _store(
    *,
    actor: Any,
    ticket: Ticket,
    content: File[Any],
    name: str,
    kind: str,
    stage: str,
    now: dt.datetime,
) -> TicketAttachment:
    """Validate ``content`` and store it as an attachment of ``ticket`` (locked here)."""
    if kind not in AttachmentKind.values:
        raise DomainError(_("Choose a valid attachment kind."), field="kind")
    if stage not in AttachmentStage.values:
        raise DomainError(_("Choose a valid stage."), field="stage")
    field_name = "signature" if kind == AttachmentKind.SIGNATURE else "upload"
    size = content.size
    if not size:
        raise DomainError(_("The file is empty."), field=field_name, code="empty_file")
    if size > MAX_UPLOAD_BYTES:
        raise DomainError(
            _("The file is larger than %(mb)d MB.") % {"mb": MAX_UPLOAD_BYTES // (1024 * 1024)},
            field=field_name,
            code="file_too_large",
        )
    content.seek(0)
    head = content.read(32)
    content.seek(0)
    sniffed = sniff(head)
    if sniffed is None or sniffed.content_type not in ALLOWED_TYPES[kind]:
        raise DomainError(_TYPE_ERRORS[kind], field=field_name, code="file_type")
    with transaction.atomic():
        t = _locked(ticket)
        _require_may_attach(actor, t, kind=kind, stage=stage)
        if t.state in _CLOSED:
            raise DomainError(
                _("Ticket %(number)s is closed: no more attachments.") % {"number": t.number},
                code="invalid_transition",
            )
        if t.attachments.count() >= MAX_ATTACHMENTS_PER_TICKET:
            raise DomainError(
                _("A ticket holds at most %(n)d attachments.") % {"n": MAX_ATTACHMENTS_PER_TICKET},
                field=field_name,
                code="too_many_attachments",
            )
        attachment = TicketAttachment(
            ticket=t,
            kind=kind,
            stage=stage,
            name=name,
            content_type=sniffed.content_type,
            size=size,
            uploaded_by=_user(actor),
            created_at=now,
        )
        # Our own file name (a random one from the model's upload_to, the detected
        # extension): the uploaded name is only displayed.
        attachment.file.save(f"{kind}.{sniffed.extension}", content, save=False)
        try:
            attachment.save(force_insert=True)
            _event(
                t,
                actor=actor,
                now=now,
                code="attachment_added",
                data={
                    "attachment": attachment.pk,
                    "kind": kind,
                    "stage": stage,
                    "name": name,
                    "size": size,
                    "content_type": sniffed.content_type,
                },
            )
        except BaseException:
            attachment.file.delete(save=False)
            raise
        return attachment


def attachment_add(
    *,
    actor: Any,
    ticket: Ticket,
    upload: File[Any],
    kind: str = AttachmentKind.PHOTO,
    stage: str = AttachmentStage.REPORT,
    now: dt.datetime | None = None,
) -> TicketAttachment:
    """Add a photo (or a file) to ``ticket``. The content decides the type (see the module
    docstring); a wrong type or size is a ``DomainError`` on the field ``upload``."""
    at = _now(now)
    name = _clean_name(getattr(upload, "name", ""), fallback=str(kind))
    return _store(
        actor=actor, ticket=ticket, content=upload, name=name, kind=kind, stage=stage, now=at
    )


_DATA_URL_PREFIX = "data:image/png;base64,"


def signature_add(
    *, actor: Any, ticket: Ticket, data_url: str, now: dt.datetime | None = None
) -> TicketAttachment:
    """Store the customer's signature drawn on the technician's screen: a
    ``data:image/png;base64,…`` URL from a canvas (kind *signature*, stage *completion*).
    Errors are on the field ``signature``."""
    at = _now(now)
    data_url = (data_url or "").strip()
    if not data_url:
        raise DomainError(_("The customer has not signed."), field="signature")
    if len(data_url) > MAX_SIGNATURE_CHARS:
        raise DomainError(
            _("The signature is too large."), field="signature", code="file_too_large"
        )
    if not data_url[: len(_DATA_URL_PREFIX)].lower() == _DATA_URL_PREFIX:
        raise DomainError(_("A signature must be a PNG image."), field="signature")
    try:
        raw = base64.b64decode(data_url[len(_DATA_URL_PREFIX) :], validate=True)
    except (binascii.Error, ValueError):
        raise DomainError(_("A signature must be a PNG image."), field="signature") from None
    content = ContentFile(raw, name="signature.png")
    return _store(
        actor=actor,
        ticket=ticket,
        content=content,
        name=_clean_name("signature.png", "signature.png"),
        kind=AttachmentKind.SIGNATURE,
        stage=AttachmentStage.COMPLETION,
        now=at,
    )
