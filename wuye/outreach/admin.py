"""Outreach in the Django admin: read-only, for support. Every change goes through the
console or the API, whose services check the capability, keep the state machine and audit."""

from __future__ import annotations

from typing import Any

from django.contrib import admin
from django.db import models
from django.http import HttpRequest

from wuye.outreach.models import (
    Activity,
    Campaign,
    CampaignEvent,
    MessageRule,
    OutageNotice,
    ProjectContact,
    UnitHandover,
    WarrantyComponent,
)


class ReadOnlyAdmin(admin.ModelAdmin):
    def get_readonly_fields(self, request: HttpRequest, obj: Any = None) -> list[str]:
        return [f.name for f in self.model._meta.fields]

    def has_add_permission(self, request: HttpRequest) -> bool:
        return False

    def has_change_permission(self, request: HttpRequest, obj: models.Model | None = None) -> bool:
        return False

    def has_delete_permission(self, request: HttpRequest, obj: models.Model | None = None) -> bool:
        return False


class CampaignEventInline(admin.TabularInline):
    model = CampaignEvent
    extra = 0
    fields = ("at", "code", "from_state", "to_state", "actor", "note")
    readonly_fields = fields
    can_delete = False

    def has_add_permission(self, request: HttpRequest, obj: Any = None) -> bool:
        return False


@admin.register(Campaign)
class CampaignAdmin(ReadOnlyAdmin):
    list_display = (
        "title",
        "company",
        "category",
        "state",
        "scheduled_at",
        "sent_at",
        "recipients",
    )
    list_filter = ("state", "category")
    search_fields = ("title",)
    list_select_related = ("company",)
    inlines = [CampaignEventInline]


@admin.register(MessageRule)
class MessageRuleAdmin(ReadOnlyAdmin):
    list_display = ("kind", "company", "project", "enabled", "send_time", "last_run_at")
    list_filter = ("kind", "enabled")
    list_select_related = ("company", "project")


@admin.register(Activity)
class ActivityAdmin(ReadOnlyAdmin):
    list_display = ("title", "project", "starts_at", "invite_sent_at", "invited")
    list_select_related = ("project",)


@admin.register(OutageNotice)
class OutageNoticeAdmin(ReadOnlyAdmin):
    list_display = ("kind", "project", "starts_at", "ends_at", "issued_at", "notified")
    list_filter = ("kind",)
    list_select_related = ("project",)


@admin.register(WarrantyComponent)
class WarrantyComponentAdmin(ReadOnlyAdmin):
    list_display = ("name", "code", "years", "project")
    list_select_related = ("project",)


@admin.register(UnitHandover)
class UnitHandoverAdmin(ReadOnlyAdmin):
    list_display = ("unit", "project", "handover_date")
    list_select_related = ("unit", "project")


@admin.register(ProjectContact)
class ProjectContactAdmin(ReadOnlyAdmin):
    list_display = ("project", "assistant_name", "assistant_phone", "default_handover_date")
    list_select_related = ("project",)
