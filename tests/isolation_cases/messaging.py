"""Access cases of messaging: the staff outbox, the inbox (staff bell and portal), contact
preferences and message templates.

The p1 objects are a failed SMS of p1 (subject "阳光新邸停水通知"), an in-app notification of
the manager in p1, an in-app message of the world's resident and company A's template.
Company templates are edited by that company's admins only: manager2 (same company, no
admin) gets 404 like everyone else out of scope.
"""

from __future__ import annotations

from typing import Any

from django.urls import reverse

from tests.isolation_support import Case, api, url


def _failed(w: Any) -> int:
    from wuye.messaging.models import Message

    message, _ = Message.objects.get_or_create(
        dedupe_key="iso:p1:failed",
        defaults={
            "project": w.p1,
            "company": w.p1.company,
            "channel": "sms",
            "recipient": "13800001111",
            "subject": "阳光新邸停水通知",
            "body": "1幢 明日停水",
            "status": "failed",
            "last_error": "isv.MOBILE_NUMBER_ILLEGAL",
        },
    )
    return message.pk


def _in_app(user: Any, key: str, subject: str, project: Any) -> int:
    from wuye.messaging.models import Message

    message, _ = Message.objects.get_or_create(
        dedupe_key=key,
        defaults={
            "project": project,
            "channel": "in_app",
            "recipient": str(user.pk),
            "recipient_user": user,
            "subject": subject,
            "body": subject,
            "status": "delivered",
        },
    )
    return message.pk


def _manager_note(w: Any) -> int:
    return _in_app(w.manager, "iso:manager", "阳光新邸 工单将超时", w.p1)


def _resident_note(w: Any) -> int:
    """The resident's message; another resident linked to 李四 (9-909) gets one of theirs."""
    from wuye.places.models import Occupant

    other = Occupant.objects.filter(pk=w.occupant3.pk).values_list("user", flat=True).first()
    if other:
        from wuye.accounts.models import User

        _in_app(User.objects.get(pk=other), "iso:other", "9-909 停水通知", w.occupant3.project)
    return _in_app(w.resident, "iso:resident", "1-101 张三 停水通知", w.p1)


def _template(w: Any) -> int:
    from wuye.messaging.models import MessageTemplate

    template, _ = MessageTemplate.objects.get_or_create(
        company=w.p1.company,
        event="messaging.message",
        channel="",
        language="zh-hans",
        defaults={"body": "{{ text }}"},
    )
    return template.pk


def _outbox(w: Any) -> str:
    _failed(w)
    return reverse("messaging:outbox")


def _inbox(w: Any) -> str:
    _manager_note(w)
    return reverse("messaging:inbox")


def _portal_inbox(w: Any) -> str:
    _resident_note(w)
    return reverse("portal:inbox")


def _api_outbox(w: Any) -> str:
    _failed(w)
    return "/api/v1/messages"


def _api_inbox(w: Any) -> str:
    _manager_note(w)
    return "/api/v1/inbox"


def _template_data(w: Any) -> dict[str, Any]:
    return {"company_id": w.p1.company_id, "event": "messaging.message", "body": "{{ text }}"}


def _edit(w: Any) -> str:
    return reverse("messaging:template-edit") + "?event=messaging.message"


CASES: dict[str, Case] = {
    # console: outbox
    "messaging:outbox": Case("list", _outbox),
    "messaging:message-detail": Case("object", url("messaging:message-detail", _failed)),
    "messaging:message-retry": Case(
        "object", url("messaging:message-retry", _failed), method="post"
    ),
    "messaging:message-cancel": Case(
        "object", url("messaging:message-cancel", _failed), method="post"
    ),
    # console: the staff inbox behind the bell
    "messaging:inbox": Case("self", _inbox),
    "messaging:inbox-detail": Case(
        "object", url("messaging:inbox-detail", _manager_note), insider="manager"
    ),
    "messaging:inbox-read-all": Case("create", url("messaging:inbox-read-all"), method="post"),
    "messaging:bell": Case("create", url("messaging:bell")),
    # console: templates (company admins)
    "messaging:templates": Case("create", url("messaging:templates")),
    "messaging:template-edit": Case("create", _edit),
    "messaging:template-preview": Case(
        "create",
        url("messaging:template-preview"),
        method="post",
        data=lambda w: {"event": "messaging.message", "body": "{{ text }}"},
    ),
    "messaging:template-delete": Case(
        "object", url("messaging:template-delete", _template), method="post"
    ),
    # portal
    "portal:inbox": Case("resident", _portal_inbox),
    "portal:inbox-detail": Case(
        "object", url("portal:inbox-detail", _resident_note), insider="resident"
    ),
    "portal:message-preferences": Case("resident", url("portal:message-preferences")),
    # API
    "api-v1:list_messages": Case("list", _api_outbox, api=True),
    "api-v1:get_message": Case("object", lambda w: f"/api/v1/messages/{_failed(w)}", api=True),
    "api-v1:retry_message": Case(
        "object", lambda w: f"/api/v1/messages/{_failed(w)}/retry", method="post", api=True
    ),
    "api-v1:cancel_message": Case(
        "object", lambda w: f"/api/v1/messages/{_failed(w)}/cancel", method="post", api=True
    ),
    "api-v1:list_inbox": Case("self", _api_inbox, api=True),
    "api-v1:read_inbox_message": Case(
        "object",
        lambda w: f"/api/v1/inbox/{_manager_note(w)}/read",
        method="post",
        api=True,
        insider="manager",
    ),
    "api-v1:get_preference": Case("create", api("me/contact-preference"), api=True),
    "api-v1:put_preference": Case(
        "create",
        api("me/contact-preference"),
        method="put",
        api=True,
        data=lambda w: {"opt_out_marketing": True},
    ),
    "api-v1:list_events": Case("create", api("message-events"), api=True),
    "api-v1:list_templates": Case("create", api("message-templates"), api=True),
    "api-v1:put_template": Case(
        "create", api("message-templates"), method="put", api=True, data=_template_data
    ),
    "api-v1:preview_template": Case(
        "create",
        api("message-templates/preview"),
        method="post",
        api=True,
        data=lambda w: {"event": "messaging.message", "body": "{{ text }}"},
    ),
    "api-v1:delete_template": Case(
        "object",
        lambda w: f"/api/v1/message-templates/{_template(w)}",
        method="delete",
        api=True,
    ),
}
