"""Access cases of the ticket attachment files (``desk:attachment``).

The file of an attachment of the p1 ticket is served to staff in scope and to the resident
who reported it; the resident is the insider here (staff access is proven in
wuye/servicedesk/tests/test_attachments.py). Everyone else gets 404.
"""

from __future__ import annotations

from typing import Any

from django.core.files.base import ContentFile

from tests.isolation_support import Case, p1_ticket, url

# A 1×1 PNG. Stored once under a fixed name in the private storage and reused, so that the
# matrix does not leave a new file behind on every run.
_PNG = bytes.fromhex(
    "89504e470d0a1a0a0000000d4948445200000001000000010806000000"
    "1f15c4890000000d49444154789c6360000002000154a24f5d0000000049454e44ae426082"
)
_NAME = "servicedesk/isolation/photo.png"


def _attachment(w: Any) -> int:
    from django.utils import timezone

    from wuye.dataio.storage import private_storage
    from wuye.servicedesk.models import TicketAttachment

    storage = private_storage()
    if not storage.exists(_NAME):
        storage.save(_NAME, ContentFile(_PNG))
    ticket = p1_ticket(w)
    attachment = TicketAttachment.objects.create(
        ticket=ticket,
        kind="photo",
        stage="report",
        file=_NAME,
        name="漏水.png",
        content_type="image/png",
        size=len(_PNG),
        uploaded_by=w.resident,
        created_at=timezone.now(),
    )
    return attachment.pk


CASES: dict[str, Case] = {
    "desk:attachment": Case("object", url("desk:attachment", _attachment), insider="resident"),
}
