"""Forms of the outreach screens. Choices are limited to the user's outreach projects, so a
foreign id is a form error, never a write."""

from __future__ import annotations

import datetime as dt
from typing import Any

from django import forms
from django.utils.translation import gettext_lazy as _

from wuye.outreach.audiences import AudienceFilter
from wuye.outreach.festivals import festival_names
from wuye.outreach.models import CampaignCategory, OutageKind, RuleKind
from wuye.places.models import Building, Project, Relation, Unit

MONTHS = [("", _("Any month"))] + [(str(m), str(m)) for m in range(1, 13)]


def _tags(value: str) -> list[str]:
    return [t.strip() for t in value.replace("，", ",").replace("、", ",").split(",") if t.strip()]


class AudienceFields(forms.Form):
    """The audience part of the campaign form (also read alone by the live preview)."""

    projects = forms.ModelMultipleChoiceField(
        label=_("Projects"), queryset=Project.objects.none(), widget=forms.CheckboxSelectMultiple
    )
    buildings = forms.ModelMultipleChoiceField(
        label=_("Buildings"), queryset=Building.objects.none(), required=False
    )
    relations = forms.MultipleChoiceField(
        label=_("Relation to the unit"),
        choices=Relation.choices,
        required=False,
        widget=forms.CheckboxSelectMultiple,
    )
    interests = forms.CharField(
        label=_("Interests (any of, comma-separated)"), required=False, max_length=300
    )
    birthday_month = forms.ChoiceField(label=_("Birthday month"), choices=MONTHS, required=False)
    current_only = forms.BooleanField(
        label=_("Only current occupants"), required=False, initial=True
    )

    def __init__(self, *args: Any, projects: list[Project], **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        ids = [p.pk for p in projects]
        self.fields["projects"].queryset = Project.objects.filter(id__in=ids).order_by("name")  # type: ignore[attr-defined]
        self.fields["buildings"].queryset = (  # type: ignore[attr-defined]
            Building.objects.filter(project_id__in=ids)
            .select_related("project")
            .order_by("project__name", "name")
        )
        self.fields["buildings"].label_from_instance = lambda b: f"{b.project.name} {b.name}"  # type: ignore[attr-defined]

    def audience(self) -> AudienceFilter:
        data = self.cleaned_data
        return AudienceFilter(
            project_ids=tuple(p.pk for p in data.get("projects") or ()),
            building_ids=tuple(b.pk for b in data.get("buildings") or ()),
            relations=tuple(data.get("relations") or ()),
            interests=tuple(_tags(data.get("interests") or "")),
            birthday_month=int(data["birthday_month"]) if data.get("birthday_month") else None,
            current_only=bool(data.get("current_only")),
        )


class CampaignForm(AudienceFields):
    title = forms.CharField(label=_("Title"), max_length=200)
    text = forms.CharField(label=_("Text"), widget=forms.Textarea(attrs={"rows": 4}))
    category = forms.ChoiceField(
        label=_("Category"), choices=CampaignCategory.choices, initial=CampaignCategory.SERVICE
    )
    field_order = ["title", "text", "category", "projects"]


class ScheduleForm(forms.Form):
    scheduled_at = forms.DateTimeField(
        label=_("Send at"), widget=forms.DateTimeInput(attrs={"type": "datetime-local"})
    )


class RuleForm(forms.Form):
    project = forms.ChoiceField(label=_("Applies to"))
    kind = forms.ChoiceField(label=_("Rule"), choices=RuleKind.choices)
    enabled = forms.BooleanField(label=_("Enabled"), required=False)
    send_time = forms.TimeField(
        label=_("Send time"), initial=dt.time(9, 0), widget=forms.TimeInput(attrs={"type": "time"})
    )
    days = forms.IntegerField(
        label=_("Days (before the occasion; for welcomes: within days of move-in)"),
        min_value=0,
        max_value=365,
        required=False,
    )
    skip = forms.MultipleChoiceField(
        label=_("Festivals not greeted"),
        choices=[],
        required=False,
        widget=forms.CheckboxSelectMultiple,
    )

    def __init__(
        self, *args: Any, projects: list[Project], companies: dict[int, str], **kwargs: Any
    ) -> None:
        super().__init__(*args, **kwargs)
        choices: list[tuple[str, str]] = [
            (f"c{cid}", str(_("All projects of %(company)s") % {"company": name}))
            for cid, name in companies.items()
        ]
        choices += [(f"p{p.pk}", p.name) for p in projects]
        self.fields["project"].choices = choices  # type: ignore[attr-defined]
        self.fields["skip"].choices = [(c, n) for c, n in festival_names().items()]  # type: ignore[attr-defined]
        self._projects = {p.pk: p for p in projects}

    def target(self) -> tuple[int | None, Project | None]:
        """(company id, project) named by the ``project`` choice."""
        value = self.cleaned_data["project"]
        if value.startswith("c"):
            return int(value[1:]), None
        project = self._projects[int(value[1:])]
        return project.company_id, project

    def parameters(self) -> dict[str, Any]:
        kind = self.cleaned_data["kind"]
        days = self.cleaned_data.get("days")
        params: dict[str, Any] = {}
        if days is not None:
            params["within_days" if kind == RuleKind.WELCOME else "days_before"] = days
        if kind == RuleKind.HOLIDAY:
            params["skip"] = list(self.cleaned_data.get("skip") or [])
        return params


class ProjectChoiceMixin(forms.Form):
    project = forms.ModelChoiceField(label=_("Project"), queryset=Project.objects.none())

    def __init__(self, *args: Any, projects: list[Project], **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.fields["project"].queryset = Project.objects.filter(  # type: ignore[attr-defined]
            id__in=[p.pk for p in projects]
        ).order_by("name")


class ActivityForm(ProjectChoiceMixin):
    title = forms.CharField(label=_("Title"), max_length=200)
    starts_at = forms.DateTimeField(
        label=_("Starts at"), widget=forms.DateTimeInput(attrs={"type": "datetime-local"})
    )
    place = forms.CharField(label=_("Place"), max_length=200, required=False)
    tags = forms.CharField(label=_("Interest tags (comma-separated)"), required=False)
    description = forms.CharField(
        label=_("Description"), required=False, widget=forms.Textarea(attrs={"rows": 3})
    )

    def tag_list(self) -> list[str]:
        return _tags(self.cleaned_data.get("tags") or "")


class OutageForm(ProjectChoiceMixin):
    kind = forms.ChoiceField(label=_("Kind"), choices=OutageKind.choices)
    buildings = forms.ModelMultipleChoiceField(
        label=_("Buildings (none = all)"), queryset=Building.objects.none(), required=False
    )
    starts_at = forms.DateTimeField(
        label=_("From"), widget=forms.DateTimeInput(attrs={"type": "datetime-local"})
    )
    ends_at = forms.DateTimeField(
        label=_("Until"), widget=forms.DateTimeInput(attrs={"type": "datetime-local"})
    )
    reason = forms.CharField(label=_("Reason"), widget=forms.Textarea(attrs={"rows": 2}))

    def __init__(self, *args: Any, projects: list[Project], **kwargs: Any) -> None:
        super().__init__(*args, projects=projects, **kwargs)
        self.fields["buildings"].queryset = (  # type: ignore[attr-defined]
            Building.objects.filter(project_id__in=[p.pk for p in projects])
            .select_related("project")
            .order_by("project__name", "name")
        )
        self.fields["buildings"].label_from_instance = lambda b: f"{b.project.name} {b.name}"  # type: ignore[attr-defined]


class ContactForm(forms.Form):
    assistant_name = forms.CharField(label=_("Assistant (steward)"), max_length=100, required=False)
    assistant_phone = forms.CharField(label=_("Assistant's phone"), max_length=30, required=False)
    default_handover_date = forms.DateField(
        label=_("Default handover date"),
        required=False,
        widget=forms.DateInput(attrs={"type": "date"}),
    )


class ComponentForm(forms.Form):
    code = forms.SlugField(label=_("Code"), max_length=40)
    name = forms.CharField(label=_("Name"), max_length=100)
    years = forms.IntegerField(label=_("Warranty years"), min_value=1, max_value=100)


class HandoverForm(forms.Form):
    unit = forms.ModelChoiceField(label=_("Unit"), queryset=Unit.objects.none())
    handover_date = forms.DateField(
        label=_("Handover date"), widget=forms.DateInput(attrs={"type": "date"})
    )

    def __init__(self, *args: Any, project: Project, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.fields["unit"].queryset = (  # type: ignore[attr-defined]
            Unit.objects.filter(project=project)
            .select_related("building")
            .order_by("building__name", "number")
        )
        self.fields["unit"].label_from_instance = lambda u: f"{u.building.name} {u.number}"  # type: ignore[attr-defined]
