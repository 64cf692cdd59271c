"""Django admin for accounts: users, departments, memberships (audited), tokens and login
codes (read-only)."""

from __future__ import annotations

from django.contrib import admin
from django.contrib.auth.admin import UserAdmin as BaseUserAdmin
from django.db import models
from django.http import HttpRequest
from django.utils.translation import gettext_lazy as _

from wuye.accounts.models import ApiToken, Department, LoginCode, Membership, User
from wuye.core.masking import mask_phone
from wuye.places.admin import AuditedAdmin


@admin.register(User)
class UserAdmin(AuditedAdmin, BaseUserAdmin):
    list_display = (
        "username",
        "display_name",
        "masked_mobile",
        "is_active",
        "is_superuser",
        "last_login",
    )
    search_fields = ("username", "display_name", "mobile", "email")
    fieldsets = (
        *(BaseUserAdmin.fieldsets or ()),
        (_("Wuye"), {"fields": ("display_name", "mobile")}),
    )
    add_fieldsets = (
        *BaseUserAdmin.add_fieldsets,
        (_("Wuye"), {"fields": ("display_name", "mobile")}),
    )


@admin.register(Department)
class DepartmentAdmin(AuditedAdmin):
    list_display = ("name", "company")
    list_filter = ("company",)
    search_fields = ("name",)


@admin.register(Membership)
class MembershipAdmin(AuditedAdmin):
    list_display = ("user", "role", "project", "company", "district", "is_active")
    list_filter = ("role", "is_active", "company")
    search_fields = ("user__username", "user__display_name", "user__mobile")
    list_select_related = ("user", "project", "company", "district")
    raw_id_fields = ("user",)


class _ReadOnly(admin.ModelAdmin):
    def has_add_permission(self, request: HttpRequest) -> bool:
        return False

    def has_change_permission(self, request: HttpRequest, obj: models.Model | None = None) -> bool:
        return False


@admin.register(ApiToken)
class ApiTokenAdmin(_ReadOnly):
    list_display = ("prefix", "name", "user", "created_at", "last_used_at", "revoked_at")
    list_select_related = ("user",)
    exclude = ("token_hash",)
    search_fields = ("prefix", "name", "user__username")


@admin.register(LoginCode)
class LoginCodeAdmin(_ReadOnly):
    list_display = ("masked", "created_at", "expires_at", "used_at", "attempts")
    exclude = ("code_hash", "mobile")
    readonly_fields = ("masked",)

    @admin.display(description=_("mobile"))
    def masked(self, obj: LoginCode) -> str:
        return mask_phone(obj.mobile)
