"""Messages over the API: the staff outbox (list, detail with history, retry, cancel), the
caller's in-app inbox, the caller's contact preference, the event registry and the
companies' message templates (list, save, preview, remove)."""

from __future__ import annotations

import datetime as dt
from typing import Any, Literal

from django.http import Http404, HttpResponse
from django.utils import timezone
from ninja import Field, Query, Router, Schema

from wuye.api.auth import ApiRequest
from wuye.api.routers.tickets_read import decode_cursor, encode_cursor
from wuye.api.schemas import DEFAULT_LIMIT, MAX_LIMIT, ErrorOut, Out
from wuye.core.errors import DomainError
from wuye.core.masking import mask_phone
from wuye.messaging import selectors
from wuye.messaging.events import all_events, event_type, known_event
from wuye.messaging.models import ContactPreference, Message, MessageStatus, MessageTemplate
from wuye.messaging.people import inbox_mark_read, preference_update, template_delete, template_save
from wuye.messaging.services import message_cancel, message_retry
from wuye.messaging.templating import preview
from wuye.places.models import Company

router = Router(tags=["messages"])

READ_ERRORS = {frozenset({401, 403, 404, 422}): ErrorOut}
WRITE_ERRORS = {frozenset({400, 401, 403, 404, 409, 422}): ErrorOut}

Channel = Literal["in_app", "wechat", "sms", "email"]


# --- schemas ---------------------------------------------------------------------------------


class MessageOut(Out):
    id: int
    project_id: int | None
    channel: str
    recipient: str = Field(description="Masked for phone numbers.")
    event: str
    category: str
    urgent: bool
    subject: str
    status: str
    attempts: int
    next_attempt_at: dt.datetime
    last_error: str
    provider_message_id: str
    notification_id: int | None
    created_at: dt.datetime
    sent_at: dt.datetime | None
    delivered_at: dt.datetime | None


class MessageEventOut(Out):
    at: dt.datetime
    code: str
    from_status: str
    to_status: str
    note: str


class MessageDetailOut(MessageOut):
    body: str
    events: list[MessageEventOut]


class MessagePage(Out):
    items: list[MessageOut]
    next_cursor: str | None


class OutboxFilters(Schema):
    status: MessageStatus | None = None
    channel: str | None = None
    project_id: int | None = None
    cursor: str | None = Field(None, description="next_cursor from the previous page.")
    limit: int = Field(DEFAULT_LIMIT, ge=1, le=MAX_LIMIT)


class InboxItemOut(Out):
    id: int
    project_id: int | None
    subject: str
    body: str
    created_at: dt.datetime
    read_at: dt.datetime | None


class InboxPage(Out):
    items: list[InboxItemOut]
    unread: int
    next_cursor: str | None


class InboxFilters(Schema):
    unread_only: bool = False
    cursor: str | None = None
    limit: int = Field(DEFAULT_LIMIT, ge=1, le=MAX_LIMIT)


class PreferenceOut(Out):
    channels: list[str]
    opt_out_greetings: bool
    opt_out_marketing: bool
    language: str


class PreferenceIn(Schema):
    channels: list[Channel] | None = Field(None, examples=[["in_app", "sms", "email"]])
    opt_out_greetings: bool | None = None
    opt_out_marketing: bool | None = None
    language: Literal["zh-hans", "en", ""] | None = None


class MessageEventTypeOut(Out):
    code: str
    label: str
    category: str
    variables: list[str]
    sample: dict[str, str]


class TemplateOut(Out):
    id: int
    company_id: int | None
    event: str
    channel: str
    language: str
    subject: str
    body: str
    html: str
    is_active: bool
    updated_at: dt.datetime


class TemplateIn(Schema):
    company_id: int
    event: str = Field(examples=["greeting.holiday"])
    channel: Literal["", "in_app", "wechat", "sms", "email"] = ""
    language: Literal["zh-hans", "en"] = "zh-hans"
    subject: str = ""
    body: str = Field(examples=["{{ name }}，{{ holiday }}快乐！"])
    html: str = ""
    is_active: bool = True


class PreviewIn(Schema):
    company_id: int | None = None
    event: str
    channel: Literal["", "in_app", "wechat", "sms", "email"] = ""
    language: Literal["zh-hans", "en"] = "zh-hans"
    subject: str | None = None
    body: str | None = Field(None, description="Omit to preview the template in force.")
    html: str | None = None


class PreviewOut(Out):
    subject: str
    body: str
    html: str


# --- helpers ---------------------------------------------------------------------------------

_MESSAGE_FIELDS = (
    "id",
    "project_id",
    "channel",
    "recipient",
    "event",
    "category",
    "urgent",
    "subject",
    "status",
    "attempts",
    "next_attempt_at",
    "last_error",
    "provider_message_id",
    "notification_id",
    "created_at",
    "sent_at",
    "delivered_at",
)


def _masked(row: dict[str, Any]) -> dict[str, Any]:
    if row["channel"] == "sms" or (row["recipient"].isdigit() and len(row["recipient"]) == 11):
        row["recipient"] = mask_phone(row["recipient"])
    return row


def _id_page(
    rows: Any, *, cursor: str | None, limit: int
) -> tuple[list[dict[str, Any]], str | None]:
    """Newest first, keyset over the id (ids grow with time)."""
    rows = rows.order_by("-id")
    if cursor:
        (last,) = decode_cursor(cursor, (int,))
        rows = rows.filter(id__lt=last)
    items = list(rows[: limit + 1])
    more = len(items) > limit
    items = items[:limit]
    return items, (encode_cursor([items[-1]["id"]]) if more and items else None)


def _company(request: ApiRequest, company_id: int | None) -> Company | None:
    if company_id is None:
        return None
    if (
        company_id not in selectors.template_companies(request.auth)
        and not request.auth.is_superuser
    ):
        raise Http404
    return Company.objects.get(pk=company_id)


# --- outbox ----------------------------------------------------------------------------------


@router.get("/messages", response={200: MessagePage, **READ_ERRORS})
def list_messages(request: ApiRequest, filters: Query[OutboxFilters]) -> Any:
    """The outbox of the caller's projects (customer service, managers, admins): failed
    messages with their reason, queued ones with the next attempt."""
    qs = selectors.outbox_list(
        user=request.auth,
        status=filters.status,
        channel=filters.channel,
        project_id=filters.project_id,
    ).values(*_MESSAGE_FIELDS)
    items, cursor = _id_page(qs, cursor=filters.cursor, limit=filters.limit)
    return {"items": [_masked(r) for r in items], "next_cursor": cursor}


def _detail(message: Message) -> dict[str, Any]:
    row = {name: getattr(message, name) for name in _MESSAGE_FIELDS}
    row["body"] = "" if message.event == "accounts.login_code" else message.body
    row["events"] = list(message.events.values("at", "code", "from_status", "to_status", "note"))
    return _masked(row)


@router.get("/messages/{message_id}", response={200: MessageDetailOut, **READ_ERRORS})
def get_message(request: ApiRequest, message_id: int) -> Any:
    return _detail(selectors.access_message(request.auth, message_id))


@router.post("/messages/{message_id}/retry", response={200: MessageDetailOut, **WRITE_ERRORS})
def retry_message(request: ApiRequest, message_id: int) -> Any:
    """Send a failed or cancelled message again (409 for other statuses)."""
    message = selectors.access_message(request.auth, message_id)
    _conflict(message_retry, actor=request.auth, message=message)
    message.refresh_from_db()
    return _detail(message)


@router.post("/messages/{message_id}/cancel", response={200: MessageDetailOut, **WRITE_ERRORS})
def cancel_message(request: ApiRequest, message_id: int) -> Any:
    """Stop a queued message (409 once it is being sent or settled)."""
    message = selectors.access_message(request.auth, message_id)
    _conflict(message_cancel, actor=request.auth, message=message)
    message.refresh_from_db()
    return _detail(message)


def _conflict(fn: Any, **kwargs: Any) -> None:
    from wuye.core.errors import Conflict

    try:
        fn(**kwargs)
    except DomainError as exc:
        if isinstance(exc, Conflict):
            raise
        raise Conflict(exc.message, code=exc.code) from exc


# --- inbox -----------------------------------------------------------------------------------


@router.get("/inbox", response={200: InboxPage, **READ_ERRORS})
def list_inbox(request: ApiRequest, filters: Query[InboxFilters]) -> Any:
    """The caller's in-app messages (residents' portal inbox, staff notifications)."""
    qs = selectors.inbox_list(user=request.auth, unread_only=filters.unread_only).values(
        "id", "project_id", "subject", "body", "created_at", "read_at"
    )
    items, cursor = _id_page(qs, cursor=filters.cursor, limit=filters.limit)
    return {
        "items": items,
        "unread": selectors.inbox_unread_count(request.auth),
        "next_cursor": cursor,
    }


@router.post("/inbox/{message_id}/read", response={200: InboxItemOut, **WRITE_ERRORS})
def read_inbox_message(request: ApiRequest, message_id: int) -> Any:
    message = selectors.access_inbox_message(request.auth, message_id)
    return inbox_mark_read(user=request.auth, message=message, now=timezone.now())


# --- preferences -----------------------------------------------------------------------------


def _preference_out(pref: ContactPreference | None) -> dict[str, Any]:
    return {
        "channels": list(pref.channels) if pref else [],
        "opt_out_greetings": bool(pref and pref.opt_out_greetings),
        "opt_out_marketing": bool(pref and pref.opt_out_marketing),
        "language": pref.language if pref else "",
    }


@router.get("/me/contact-preference", response={200: PreferenceOut, **READ_ERRORS})
def get_preference(request: ApiRequest) -> Any:
    """How the caller wants to be reached; empty channels = the company's default order."""
    return _preference_out(ContactPreference.objects.filter(user=request.auth).first())


@router.put("/me/contact-preference", response={200: PreferenceOut, **WRITE_ERRORS})
def put_preference(request: ApiRequest, payload: PreferenceIn) -> Any:
    """Change the channel order and opt-outs (greetings, marketing; never service)."""
    pref = preference_update(
        actor=request.auth,
        user=request.auth,
        channels=list(payload.channels) if payload.channels is not None else None,
        opt_out_greetings=payload.opt_out_greetings,
        opt_out_marketing=payload.opt_out_marketing,
        language=payload.language,
    )
    return _preference_out(pref)


# --- events and templates --------------------------------------------------------------------


@router.get("/message-events", response={200: list[MessageEventTypeOut], **READ_ERRORS})
def list_events(request: ApiRequest) -> Any:
    """Every event the system sends, with the variables its templates may use."""
    return [
        {
            "code": e.code,
            "label": str(e.label),
            "category": e.category,
            "variables": list(e.all_variables),
            "sample": dict(e.sample_context()),
        }
        for e in all_events()
    ]


@router.get("/message-templates", response={200: list[TemplateOut], **READ_ERRORS})
def list_templates(request: ApiRequest, company_id: int | None = None) -> Any:
    """The site's templates and those of the companies the caller administers."""
    return list(selectors.template_list(user=request.auth, company_id=company_id))


@router.put("/message-templates", response={200: TemplateOut, **WRITE_ERRORS})
def put_template(request: ApiRequest, payload: TemplateIn) -> Any:
    """Create or replace a company's template for (event, channel, language). Company
    administrators only; validated against the event's variables and, for SMS, the
    provider's approved template."""
    company = _company(request, payload.company_id)
    event_type(payload.event)  # an unknown event is a field error
    return template_save(
        actor=request.auth,
        company=company,
        event=payload.event,
        channel=payload.channel,
        language=payload.language,
        subject=payload.subject,
        body=payload.body,
        html=payload.html,
        is_active=payload.is_active,
    )


@router.post("/message-templates/preview", response={200: PreviewOut, **WRITE_ERRORS})
def preview_template(request: ApiRequest, payload: PreviewIn) -> Any:
    """Render a template (given, or the one in force) with the event's sample values."""
    company = _company(request, payload.company_id)
    if not known_event(payload.event):
        raise Http404
    from wuye.messaging.channels.base import PermanentFailure

    try:
        r = preview(
            event=payload.event,
            channel=payload.channel,
            language=payload.language,
            company_id=company.pk if company else None,
            subject=payload.subject,
            body=payload.body,
            html=payload.html,
        )
    except PermanentFailure as exc:
        raise DomainError(str(exc), field="body") from exc
    return {"subject": r.subject, "body": r.body, "html": r.html}


@router.delete("/message-templates/{template_id}", response={204: None, **WRITE_ERRORS})
def delete_template(request: ApiRequest, template_id: int) -> Any:
    """Remove a company's template: the site's or the default text applies again."""
    template: MessageTemplate = selectors.access_template(request.auth, template_id)
    template_delete(actor=request.auth, template=template)
    return HttpResponse(status=204)
