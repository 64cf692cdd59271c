"""Django admin for places and people: a superuser's back office.

Edits here are audited like the console's. Occupants and occupancies are read-only:
their personal data is validated, normalised and indexed by the services the console uses.
"""

from __future__ import annotations

from typing import Any

from django.contrib import admin
from django.db import models, transaction
from django.http import HttpRequest

from wuye.audit.services import audit_created, audit_record, diff, snapshot
from wuye.places.models import Building, Company, District, Occupancy, Occupant, Project, Unit


class AuditedAdmin(admin.ModelAdmin):
    """Writes an audit event for every add and change made in the admin."""

    def save_model(self, request: HttpRequest, obj: Any, form: Any, change: bool) -> None:
        label = obj._meta.label_lower
        with transaction.atomic():
            if change:
                before = snapshot(type(obj)._default_manager.get(pk=obj.pk))
                super().save_model(request, obj, form, change)
                changes = diff(before, snapshot(obj))
                if changes:
                    audit_record(
                        actor=request.user,
                        action=f"{label}.updated",
                        instance=obj,
                        changes=changes,
                        note="admin",
                    )
            else:
                super().save_model(request, obj, form, change)
                audit_created(
                    actor=request.user, action=f"{label}.created", instance=obj, note="admin"
                )

    def delete_model(self, request: HttpRequest, obj: Any) -> None:
        with transaction.atomic():
            self._audit_deleted(request, obj)
            super().delete_model(request, obj)

    def delete_queryset(self, request: HttpRequest, queryset: Any) -> None:
        with transaction.atomic():
            for obj in queryset:
                self._audit_deleted(request, obj)
            super().delete_queryset(request, queryset)

    def _audit_deleted(self, request: HttpRequest, obj: Any) -> None:
        audit_record(
            actor=request.user,
            action=f"{obj._meta.label_lower}.deleted",
            instance=obj,
            changes={k: [v[1], None] for k, v in diff({}, snapshot(obj)).items()},
            note="admin",
        )


class NoDeleteAdmin(AuditedAdmin):
    """Companies, projects, buildings and units carry years of records below them: deleting
    one would cascade through all of it. Deactivate a project instead."""

    def has_delete_permission(self, request: HttpRequest, obj: models.Model | None = None) -> bool:
        return False


class ReadOnlyAdmin(admin.ModelAdmin):
    def has_add_permission(self, request: HttpRequest) -> bool:
        return False

    def has_change_permission(self, request: HttpRequest, obj: models.Model | None = None) -> bool:
        return False

    def has_delete_permission(self, request: HttpRequest, obj: models.Model | None = None) -> bool:
        return False


@admin.register(District)
class DistrictAdmin(AuditedAdmin):
    list_display = ("name", "code")
    search_fields = ("name", "code")


@admin.register(Company)
class CompanyAdmin(NoDeleteAdmin):
    list_display = ("name", "code", "phone")
    search_fields = ("name", "code")


@admin.register(Project)
class ProjectAdmin(NoDeleteAdmin):
    list_display = ("name", "code", "company", "kind", "district", "fee_model", "is_active")
    list_filter = ("company", "kind", "fee_model", "is_active")
    search_fields = ("name", "code", "address")
    list_select_related = ("company", "district")


@admin.register(Building)
class BuildingAdmin(NoDeleteAdmin):
    list_display = ("name", "project", "floors")
    list_filter = ("project__company", "project")
    search_fields = ("name", "project__name")
    list_select_related = ("project",)

    def get_readonly_fields(
        self, request: HttpRequest, obj: Building | None = None
    ) -> tuple[str, ...]:
        return ("project",) if obj else ()


@admin.register(Unit)
class UnitAdmin(NoDeleteAdmin):
    list_display = ("number", "building", "project", "floor", "use", "building_area")
    list_filter = ("use", "project")
    search_fields = ("number", "building__name")
    list_select_related = ("building", "project")
    raw_id_fields = ("building",)
    exclude = ("project",)  # always the building's project

    def get_readonly_fields(self, request: HttpRequest, obj: Unit | None = None) -> tuple[str, ...]:
        return ("building",) if obj else ()

    def save_model(self, request: HttpRequest, obj: Unit, form: Any, change: bool) -> None:
        obj.project_id = obj.building.project_id
        super().save_model(request, obj, form, change)


@admin.register(Occupant)
class OccupantAdmin(ReadOnlyAdmin):
    list_display = ("name", "kind", "project", "masked_mobile")
    list_filter = ("kind", "project")
    search_fields = ("name", "mobile_tail")
    list_select_related = ("project",)
    fields = (
        "project",
        "kind",
        "name",
        "contact_name",
        "masked_mobile",
        "masked_id_number",
        "birthday",
        "email",
        "user",
        "note",
        "created_at",
        "updated_at",
    )
    readonly_fields = fields


@admin.register(Occupancy)
class OccupancyAdmin(ReadOnlyAdmin):
    list_display = ("unit", "occupant", "relation", "start_date", "end_date")
    list_filter = ("relation",)
    list_select_related = ("unit", "occupant")
    search_fields = ("unit__number", "occupant__name")
