"""Reads of the outbox, scoped: staff see the messages of their projects (company admins
also their company's messages without a project); everybody sees their own inbox."""

from __future__ import annotations

from typing import Any

from django.db.models import Q, QuerySet
from django.http import Http404

from wuye.accounts.access import Capability, scope_for
from wuye.messaging.models import Message, MessageChannel, MessageTemplate


def outbox_projects(user: Any) -> list[int]:
    """Projects whose outbox the user may read and retry in."""
    scope = scope_for(user)
    return [pid for pid in scope.project_ids if scope.can(pid, Capability.MANAGE_OUTREACH)]


def outbox_list(
    *,
    user: Any,
    status: str | None = None,
    channel: str | None = None,
    project_id: int | None = None,
    q: str = "",
) -> QuerySet[Message]:
    scope = scope_for(user)
    qs = Message.objects.all()
    if not scope.is_superuser:
        qs = qs.filter(
            Q(project_id__in=outbox_projects(user))
            | Q(project__isnull=True, company_id__in=scope.admin_company_ids)
        )
    if status:
        qs = qs.filter(status=status)
    if channel:
        qs = qs.filter(channel=channel)
    if project_id:
        qs = qs.filter(project_id=project_id)
    if q:
        qs = qs.filter(Q(subject__icontains=q) | Q(recipient=q) | Q(event=q))
    return qs.select_related("project", "notification").order_by("-created_at", "-id")


def access_message(user: Any, message_id: Any) -> Message:
    """A message of the user's outbox scope; 404 otherwise (missing or not theirs)."""
    try:
        pk = int(message_id)
    except (TypeError, ValueError):
        raise Http404 from None
    message = outbox_list(user=user).filter(pk=pk).first()
    if message is None:
        raise Http404
    return message


def inbox_list(*, user: Any, unread_only: bool = False) -> QuerySet[Message]:
    """The user's in-app messages, newest first."""
    qs = Message.objects.filter(
        recipient_user_id=user.pk,
        channel=MessageChannel.IN_APP,
        status__in=["sent", "delivered"],
    )
    if unread_only:
        qs = qs.filter(read_at__isnull=True)
    return qs.select_related("project").order_by("-created_at", "-id")


def inbox_unread_count(user: Any) -> int:
    if not getattr(user, "is_authenticated", False):
        return 0
    return inbox_list(user=user, unread_only=True).count()


def access_inbox_message(user: Any, message_id: Any) -> Message:
    try:
        pk = int(message_id)
    except (TypeError, ValueError):
        raise Http404 from None
    message = inbox_list(user=user).filter(pk=pk).first()
    if message is None:
        raise Http404
    return message


def template_companies(user: Any) -> list[int]:
    """Companies whose message templates the user may edit: those they administer."""
    return sorted(scope_for(user).admin_company_ids)


def template_list(*, user: Any, company_id: int | None = None) -> QuerySet[MessageTemplate]:
    scope = scope_for(user)
    companies = template_companies(user)
    qs = MessageTemplate.objects.all()
    if not scope.is_superuser:
        qs = qs.filter(Q(company_id__in=companies) | Q(company__isnull=True))
    if company_id:
        qs = qs.filter(Q(company_id=company_id) | Q(company__isnull=True))
    return qs.select_related("company").order_by("event", "channel", "language", "company_id")


def access_template(user: Any, template_id: Any) -> MessageTemplate:
    """A company template the user may edit (site-wide defaults only for superusers)."""
    try:
        pk = int(template_id)
    except (TypeError, ValueError):
        raise Http404 from None
    scope = scope_for(user)
    qs = MessageTemplate.objects.filter(pk=pk)
    if not scope.is_superuser:
        qs = qs.filter(company_id__in=template_companies(user))
    template = qs.first()
    if template is None:
        raise Http404
    return template
