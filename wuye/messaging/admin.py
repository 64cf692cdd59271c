"""Read-only outbox in the Django admin, with a "retry" action for failed messages."""

from __future__ import annotations

from django.contrib import admin, messages
from django.db.models import QuerySet
from django.http import HttpRequest
from django.utils.translation import gettext_lazy as _
from django.utils.translation import ngettext

from wuye.core.errors import DomainError
from wuye.messaging.models import Message, MessageEvent
from wuye.messaging.services import message_retry

_EVENT_FIELDS = ("at", "code", "from_status", "to_status", "actor", "note")


class MessageEventInline(admin.TabularInline):
    model = MessageEvent
    fields = _EVENT_FIELDS
    readonly_fields = _EVENT_FIELDS
    extra = 0
    can_delete = False

    def has_add_permission(self, request: HttpRequest, obj: object = None) -> bool:
        return False

    def has_change_permission(self, request: HttpRequest, obj: object = None) -> bool:
        return False


@admin.register(Message)
class MessageAdmin(admin.ModelAdmin):
    list_display = [
        "id",
        "created_at",
        "channel",
        "masked_recipient",
        "subject",
        "status",
        "attempts",
        "next_attempt_at",
        "sent_at",
        "project",
    ]
    list_filter = ["status", "channel", "project", "created_at"]
    search_fields = ["=id", "recipient", "subject", "dedupe_key", "provider_message_id"]
    list_select_related = ["project"]
    date_hierarchy = "created_at"
    ordering = ["-created_at", "-id"]
    exclude = ["recipient"]
    readonly_fields = [
        "masked_recipient",
        "project",
        "channel",
        "recipient_user",
        "subject",
        "body",
        "template",
        "context",
        "status",
        "attempts",
        "max_attempts",
        "next_attempt_at",
        "claimed_at",
        "last_error",
        "provider_message_id",
        "dedupe_key",
        "created_at",
        "sent_at",
    ]
    inlines = [MessageEventInline]
    actions = ["retry"]

    @admin.display(description=_("recipient"))
    def masked_recipient(self, obj: Message) -> str:
        return obj.masked_recipient

    def has_add_permission(self, request: HttpRequest) -> bool:
        return False

    def has_change_permission(self, request: HttpRequest, obj: object = None) -> bool:
        return False

    def has_delete_permission(self, request: HttpRequest, obj: object = None) -> bool:
        return False

    def has_retry_permission(self, request: HttpRequest) -> bool:
        return request.user.has_perm("messaging.change_message")

    @admin.action(
        description=_("Retry the selected failed or cancelled messages"), permissions=["retry"]
    )
    def retry(self, request: HttpRequest, queryset: QuerySet[Message]) -> None:
        retried, skipped = 0, 0
        for message in queryset:
            try:
                message_retry(actor=request.user, message=message)
            except DomainError:
                skipped += 1
            else:
                retried += 1
        self.message_user(
            request,
            ngettext("%(count)d message queued again.", "%(count)d messages queued again.", retried)
            % {"count": retried},
            messages.SUCCESS,
        )
        if skipped:
            self.message_user(
                request,
                ngettext(
                    "%(count)d message was skipped: only failed or cancelled messages can be retried.",
                    "%(count)d messages were skipped: only failed or cancelled messages can be retried.",
                    skipped,
                )
                % {"count": skipped},
                messages.WARNING,
            )
