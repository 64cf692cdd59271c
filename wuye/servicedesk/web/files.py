"""Serving ticket attachments from the private storage, scoped like the ticket itself.

Staff of the ticket's project and the resident who reported it may read a ticket's photos,
files and signature; anyone else gets the same 404 as for a missing file. The content type is
the one detected from the content at upload (never the uploaded name), and the browser is told
not to sniff another one. Images show inline, other files download.
"""

from __future__ import annotations

from typing import Any

from django.contrib.auth.views import redirect_to_login
from django.http import FileResponse, Http404, HttpRequest
from django.http.response import HttpResponseBase
from django.views.decorators.http import require_safe

from wuye.servicedesk.models import TicketAttachment
from wuye.servicedesk.selectors import visible_tickets

_INLINE_TYPES = {"image/jpeg", "image/png", "image/webp", "image/heic", "image/heif"}


def access_attachment(user: Any, attachment_id: Any) -> TicketAttachment:
    """One attachment of a ticket the user may see (``visible_tickets``); 404 otherwise."""
    try:
        return TicketAttachment.objects.select_related("ticket").get(
            pk=attachment_id, ticket__in=visible_tickets(user)
        )
    except (TicketAttachment.DoesNotExist, ValueError, TypeError):
        raise Http404 from None


def attachment_response(user: Any, attachment_id: Any) -> FileResponse:
    """The file of attachment ``attachment_id`` as a response, for the console, the portal
    and the API alike; ``Http404`` when out of scope or when the file is gone."""
    attachment = access_attachment(user, attachment_id)
    try:
        handle = attachment.file.open("rb")
    except (FileNotFoundError, ValueError):
        raise Http404 from None
    response = FileResponse(
        handle,
        content_type=attachment.content_type,
        as_attachment=attachment.content_type not in _INLINE_TYPES,
        filename=attachment.name,
    )
    response["X-Content-Type-Options"] = "nosniff"
    # Personal data: browsers may keep it, shared caches and proxies must not.
    response["Cache-Control"] = "private, max-age=3600"
    # Opened directly, the file is a document of its own: nothing in it may run.
    response["Content-Security-Policy"] = "default-src 'none'; img-src 'self'; sandbox"
    return response


@require_safe
def attachment_view(request: HttpRequest, pk: int) -> HttpResponseBase:
    """``desk:attachment`` — for staff in scope and for the reporting resident."""
    if not request.user.is_authenticated:
        return redirect_to_login(request.get_full_path())
    return attachment_response(request.user, pk)
