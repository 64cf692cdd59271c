"""Read-only outbox in the Django admin, with a "retry" action for failed messages; provider
accounts (write-only secrets, callback URLs) with their pre-approved templates."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

from django import forms
from django.contrib import admin, messages
from django.db.models import QuerySet
from django.http import HttpRequest
from django.urls import reverse
from django.utils.html import format_html
from django.utils.translation import gettext_lazy as _
from django.utils.translation import ngettext

from wuye.core.errors import DomainError
from wuye.messaging.models import (
    ChannelAccount,
    Message,
    MessageEvent,
    MessageTemplate,
    MessagingPolicy,
    Notification,
    Provider,
    ProviderTemplate,
)
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


# --- provider accounts ------------------------------------------------------------------------
# Which status-callback URL each provider is given (see docs/messaging-providers.md).
_CALLBACK_ROUTES: dict[str, tuple[str, bool]] = {
    Provider.ALIYUN_SMS: ("messaging_hooks:aliyun", True),  # True: ?token=<callback secret>
    Provider.TENCENT_SMS: ("messaging_hooks:tencent", True),
    Provider.HTTP_SMS: ("messaging_hooks:http", False),
    Provider.WECHAT_MP: ("messaging_hooks:wechat", False),
}


def callback_path(account: ChannelAccount) -> str:
    """The path the provider must call with its status reports ("" for SMTP)."""
    route = _CALLBACK_ROUTES.get(account.provider)
    if route is None or account.pk is None:
        return ""
    name, with_token = route
    path = reverse(name, args=[account.pk])
    return f"{path}?token={account.callback_secret}" if with_token else path


class ChannelAccountForm(forms.ModelForm):
    """The secret is write-only: never rendered back, kept when left empty."""

    new_secret = forms.CharField(
        label=ChannelAccount._meta.get_field("secret").verbose_name,
        required=False,
        strip=True,
        widget=forms.PasswordInput(render_value=False, attrs={"autocomplete": "new-password"}),
        help_text=_(
            "AccessKey secret, SecretKey, AppSecret or password. Never shown again; leave "
            "empty to keep the current one."
        ),
    )

    class Meta:
        model = ChannelAccount
        fields = [
            "company",
            "provider",
            "name",
            "is_active",
            "key_id",
            "sign_name",
            "config",
            "rate_limit_per_minute",
        ]

    def save(self, commit: bool = True) -> ChannelAccount:
        account: ChannelAccount = super().save(commit=False)
        if self.cleaned_data.get("new_secret"):
            account.secret = self.cleaned_data["new_secret"]
        if commit:
            account.save()
            self.save_m2m()
        return account


class ProviderTemplateInline(admin.TabularInline):
    model = ProviderTemplate
    fields = ["event", "code", "variables"]
    extra = 1


@admin.register(ChannelAccount)
class ChannelAccountAdmin(admin.ModelAdmin):
    form = ChannelAccountForm
    list_display = [
        "name",
        "provider",
        "channel",
        "company",
        "is_active",
        "secret_set",
        "rate_limit_per_minute",
    ]
    list_filter = ["provider", "is_active", "company"]
    list_select_related = ["company"]
    search_fields = ["name", "key_id", "sign_name"]
    inlines = [ProviderTemplateInline]

    @admin.display(description=_("secret set"), boolean=True)
    def secret_set(self, obj: ChannelAccount) -> bool:
        return bool(obj.secret)

    def get_readonly_fields(self, request: HttpRequest, obj: Any = None) -> list[Any]:
        # A callable bound to this request (so the URL is absolute for this site), made once
        # per request: the admin compares the readonly fields of several calls.
        show: Callable[[ChannelAccount], str] | None = getattr(request, "_wuye_callback_url", None)
        if show is None:

            def callback_url(account: ChannelAccount) -> str:
                path = callback_path(account)
                if not path:
                    return "-"
                return format_html("<code>{}</code>", request.build_absolute_uri(path))

            show = admin.display(description=_("status callback URL"))(callback_url)
            request._wuye_callback_url = show  # type: ignore[attr-defined]
        return ["channel", "secret_set", "callback_secret", show]

    def get_fields(self, request: HttpRequest, obj: Any = None) -> list[Any]:
        fields = list(super().get_fields(request, obj))
        # the write-only secret right after the key id
        fields.remove("new_secret")
        fields.insert(fields.index("key_id") + 1, "new_secret")
        return fields


@admin.register(MessagingPolicy)
class MessagingPolicyAdmin(admin.ModelAdmin):
    """A company's quiet hours and default channel order (see docs/messaging.md)."""

    list_display = ["company", "quiet_start", "quiet_end", "quiet_channels", "default_channels"]
    search_fields = ["company__name"]


class MessageTemplateForm(forms.ModelForm):
    class Meta:
        model = MessageTemplate
        fields = ["company", "event", "channel", "language", "subject", "body", "html", "is_active"]

    def clean(self) -> dict[str, Any]:
        from wuye.messaging.templating import validate_template

        data = super().clean() or {}
        company = data.get("company")
        try:
            validate_template(
                event=data.get("event", ""),
                channel=data.get("channel", ""),
                subject=data.get("subject", ""),
                body=data.get("body", ""),
                html=data.get("html", ""),
                company_id=company.pk if company else None,
            )
        except DomainError as exc:
            field = exc.field if exc.field in self.fields else None
            self.add_error(field, str(exc.message))
        return data


@admin.register(MessageTemplate)
class MessageTemplateAdmin(admin.ModelAdmin):
    """Site-wide templates (no company) are edited here; companies edit theirs in the
    console (消息 → 消息模板), where they are also previewed. Validated the same way."""

    form = MessageTemplateForm
    list_display = ["event", "channel", "language", "company", "is_active", "updated_at"]
    list_filter = ["channel", "language", "is_active"]
    search_fields = ["event", "body"]
    readonly_fields = ["updated_at", "updated_by"]

    def save_model(self, request: HttpRequest, obj: Any, form: Any, change: bool) -> None:
        obj.updated_by = request.user
        super().save_model(request, obj, form, change)


@admin.register(Notification)
class NotificationAdmin(admin.ModelAdmin):
    """Read-only: one event for one person and the channels tried."""

    list_display = ["id", "created_at", "event", "recipient_name", "channels", "step", "status"]
    list_filter = ["status", "category"]
    search_fields = ["event", "source", "dedupe_key", "recipient_name"]
    list_select_related = True
    readonly_fields = [f.name for f in Notification._meta.fields]

    def has_add_permission(self, request: HttpRequest) -> bool:
        return False

    def has_change_permission(self, request: HttpRequest, obj: object = None) -> bool:
        return False
