"""Audit events are read-only everywhere, the admin included."""

from __future__ import annotations

from django.contrib import admin
from django.db import models
from django.http import HttpRequest

from wuye.audit.models import AuditEvent


@admin.register(AuditEvent)
class AuditEventAdmin(admin.ModelAdmin):
    list_display = ("at", "action", "object_type", "object_id", "object_repr", "actor", "project")
    list_filter = ("action", "object_type")
    search_fields = ("action", "object_type", "object_id", "object_repr", "actor__username")
    list_select_related = ("actor", "project")
    date_hierarchy = "at"

    def get_readonly_fields(self, request: HttpRequest, obj: AuditEvent | None = None) -> list[str]:
        return [f.name for f in AuditEvent._meta.fields]

    def has_add_permission(self, request: HttpRequest) -> bool:
        return False

    def has_change_permission(self, request: HttpRequest, obj: models.Model | None = None) -> bool:
        return False

    def has_delete_permission(self, request: HttpRequest, obj: models.Model | None = None) -> bool:
        return False
