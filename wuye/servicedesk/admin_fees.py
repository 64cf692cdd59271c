"""Admin of the price list (paid services): one list per project, edited by a superuser and
audited like the other admins. A line used by a fee cannot be deleted (the fee keeps its
list price): unpublish it instead."""

from __future__ import annotations

from typing import Any

from django import forms
from django.contrib import admin
from django.http import HttpRequest
from django.utils.translation import gettext_lazy as _

from wuye.places.admin import AuditedAdmin
from wuye.servicedesk.models import PriceItem


class PriceItemForm(forms.ModelForm[PriceItem]):
    class Meta:
        model = PriceItem
        fields = (
            "project",
            "category",
            "code",
            "name",
            "unit",
            "labour_price",
            "material_price",
            "active",
            "note",
        )

    def clean(self) -> dict[str, Any]:
        data = super().clean() or {}
        project = data.get("project") or (self.instance.project if self.instance.pk else None)
        category = data.get("category")
        if category is not None and project is not None and category.project_id != project.pk:
            self.add_error("category", _("The category belongs to another project."))
        return data


@admin.register(PriceItem)
class PriceItemAdmin(AuditedAdmin):
    form = PriceItemForm
    list_display = (
        "code",
        "name",
        "project",
        "category",
        "unit",
        "labour_price",
        "material_price",
        "list_price",
        "active",
    )
    list_display_links = ("code", "name")
    list_filter = ("project", "active", "category")
    search_fields = ("code", "name", "project__name")
    list_select_related = ("project", "category")
    ordering = ("project", "code")

    @admin.display(description=_("price"))
    def list_price(self, obj: PriceItem) -> Any:
        return obj.price

    def get_readonly_fields(self, request: HttpRequest, obj: Any = None) -> tuple[str, ...]:
        # The project of a published line does not change: fees refer to it.
        return ("project",) if obj else ()
