"""GET filter forms for the console's lists. Choices come from the caller's scope."""

from __future__ import annotations

from collections.abc import Iterable
from typing import Any, cast

from django import forms
from django.utils.translation import gettext_lazy as _

from wuye.accounts.models import Role
from wuye.console.forms.widgets import FastSelect
from wuye.places.models import Building, OccupantKind, Project, UnitUse

ALL = ("", _("All"))


def project_choices(projects: Iterable[Project]) -> list[tuple[str, str]]:
    return [("", str(_("All my projects"))), *((str(p.pk), p.name) for p in projects)]


def _search_field() -> forms.CharField:
    return forms.CharField(
        label=_("Search"),
        required=False,
        max_length=100,
        widget=forms.TextInput(attrs={"type": "search", "autocomplete": "off"}),
    )


class FilterForm(forms.Form):
    """A list's filters. ``project`` is the effective project id (query or session).
    Choosing in a select submits the form (no button press needed)."""

    q = _search_field()
    project = forms.ChoiceField(label=_("Project"), required=False, widget=FastSelect)

    def __init__(
        self, data: Any, *, projects: Iterable[Project], project_id: int | None, **kwargs: Any
    ) -> None:
        data = data.copy()
        data["project"] = str(project_id or "")
        super().__init__(data, **kwargs)
        cast(forms.ChoiceField, self.fields["project"]).choices = project_choices(projects)
        for field in self.fields.values():
            if isinstance(field, forms.ChoiceField):
                field.widget.attrs["onchange"] = "this.form.requestSubmit()"

    def value(self, name: str) -> str:
        """A filter's clean value; an invalid filter (e.g. a building of another project
        after switching project) is dropped on its own, the others still apply."""
        self.is_valid()
        return self.cleaned_data.get(name) or ""

    def id_value(self, name: str) -> int | None:
        """A filter that picks a row by id (project, building); ``None`` for all."""
        value = self.value(name)
        return int(value) if value else None


class ProjectFilterForm(forms.Form):
    q = _search_field()

    def value(self, name: str) -> str:
        self.is_valid()
        return self.cleaned_data.get(name) or ""


class BuildingFilterForm(FilterForm):
    pass


class UnitFilterForm(FilterForm):
    building = forms.ChoiceField(label=_("Building"), required=False, widget=FastSelect)
    use = forms.ChoiceField(
        label=_("Use"), required=False, widget=FastSelect, choices=[ALL, *UnitUse.choices]
    )

    field_order = ["q", "project", "building", "use"]

    def __init__(self, data: Any, *, buildings: Iterable[Building], **kwargs: Any) -> None:
        super().__init__(data, **kwargs)
        self.fields["q"].widget.attrs["placeholder"] = _(
            "Unit, building, occupant name or phone (last 4 digits)"
        )
        # across projects, building names repeat ("1幢"): say whose building it is
        one_project = bool(kwargs.get("project_id"))
        cast(forms.ChoiceField, self.fields["building"]).choices = [
            ALL,
            *(
                (str(b.pk), b.name if one_project else f"{b.project.name} · {b.name}")
                for b in buildings
            ),
        ]


class OccupantFilterForm(FilterForm):
    kind = forms.ChoiceField(
        label=_("Kind"), required=False, widget=FastSelect, choices=[ALL, *OccupantKind.choices]
    )

    def __init__(self, data: Any, **kwargs: Any) -> None:
        super().__init__(data, **kwargs)
        self.fields["q"].widget.attrs["placeholder"] = _("Name or phone (last 4 digits)")


class MembershipFilterForm(FilterForm):
    role = forms.ChoiceField(
        label=_("Role"),
        required=False,
        widget=FastSelect,
        choices=[ALL, *((r.value, r.label) for r in Role if r != Role.RESIDENT)],
    )
    status = forms.ChoiceField(
        label=_("Status"),
        required=False,
        widget=FastSelect,
        choices=[("active", _("Active")), ("inactive", _("Inactive")), ("all", _("All"))],
    )

    def __init__(self, data: Any, **kwargs: Any) -> None:
        super().__init__(data, **kwargs)
        self.fields["q"].widget.attrs["placeholder"] = _("Username, name or mobile")

    def value(self, name: str) -> str:
        if name == "status":
            return super().value(name) or "active"
        return super().value(name)
