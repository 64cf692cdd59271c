"""Read-only Django admin for tickets: writes go through the services (clocks, events)."""

from __future__ import annotations

from typing import Any

from django.contrib import admin
from django.http import HttpRequest
from django.utils.translation import gettext_lazy as _

from wuye.servicedesk.models import Category, Ticket, TicketClock, TicketEvent, TicketPause


class ReadOnlyAdmin(admin.ModelAdmin):
    def has_add_permission(self, request: HttpRequest, obj: Any = None) -> bool:
        return False

    def has_change_permission(self, request: HttpRequest, obj: Any = None) -> bool:
        return False

    def has_delete_permission(self, request: HttpRequest, obj: Any = None) -> bool:
        return False


@admin.register(Category)
class CategoryAdmin(admin.ModelAdmin):
    list_display = ["name", "code", "project"]
    list_filter = ["project"]
    search_fields = ["name", "code"]


class EventInline(admin.TabularInline):
    model = TicketEvent
    extra = 0
    can_delete = False
    fields = readonly_fields = ("at", "code", "from_state", "to_state", "actor", "note")


class ClockInline(admin.TabularInline):
    model = TicketClock
    extra = 0
    can_delete = False
    fields = readonly_fields = (
        "kind",
        "basis",
        "started_at",
        "stopped_at",
        "due_at",
        "state",
        "voided",
    )


class PauseInline(admin.TabularInline):
    model = TicketPause
    extra = 0
    can_delete = False
    fields = readonly_fields = ("reason", "started_at", "ended_at")


@admin.register(Ticket)
class TicketAdmin(ReadOnlyAdmin):
    list_display = ["number", "project", "kind", "urgency", "state", "assignee", "created_at"]
    list_filter = ["state", "kind", "urgency", "project"]
    search_fields = ["number", "reporter_phone_tail"]
    list_select_related = ["project", "assignee"]
    # The reporter's phone is shown masked only (the full number is on the occupant record).
    exclude = ["reporter_phone"]
    readonly_fields = ["masked_phone"]
    inlines = [ClockInline, PauseInline, EventInline]

    @admin.display(description=_("reporter phone"))
    def masked_phone(self, obj: Ticket) -> str:
        return obj.masked_reporter_phone


from wuye.servicedesk import admin_fees  # noqa: E402, F401  (price list admin)
