"""Edit forms for projects, buildings, units, occupants and occupancies.

Forms only shape input; services validate and save. Field names match model fields so a
service's ``ValidationError`` lands on the right field.
"""

from __future__ import annotations

import datetime as dt
from typing import Any, cast

from django import forms
from django.db.models import QuerySet
from django.utils.translation import gettext_lazy as _

from wuye.core.idcard import validate_id_number
from wuye.core.phones import validate_phone
from wuye.places.forms import BuildingChoiceField
from wuye.places.models import (
    Building,
    FeeModel,
    Occupant,
    OccupantKind,
    Project,
    Relation,
    UnitUse,
)

WEEKDAYS = [
    ("1", _("Monday")),
    ("2", _("Tuesday")),
    ("3", _("Wednesday")),
    ("4", _("Thursday")),
    ("5", _("Friday")),
    ("6", _("Saturday")),
    ("7", _("Sunday")),
]


class DateInput(forms.DateInput):
    input_type = "date"

    def __init__(self, **kwargs: Any) -> None:
        super().__init__(format="%Y-%m-%d", **kwargs)


class TimeInput(forms.TimeInput):
    input_type = "time"

    def __init__(self, **kwargs: Any) -> None:
        super().__init__(format="%H:%M", **kwargs)


class ProjectForm(forms.Form):
    address = forms.CharField(label=_("Address"), max_length=300, required=False)
    service_phone = forms.CharField(label=_("24-hour service phone"), max_length=30, required=False)
    fee_model = forms.ChoiceField(label=_("Fee model"), choices=FeeModel.choices)
    business_start = forms.TimeField(label=_("Business hours start"), widget=TimeInput())
    business_end = forms.TimeField(label=_("Business hours end"), widget=TimeInput())
    business_weekdays = forms.MultipleChoiceField(
        label=_("Working weekdays"),
        choices=WEEKDAYS,
        widget=forms.CheckboxSelectMultiple,
        help_text=_("Statutory holidays and make-up working days are applied on top."),
    )

    @classmethod
    def initial_for(cls, project: Project) -> dict[str, Any]:
        return {
            "address": project.address,
            "service_phone": project.service_phone,
            "fee_model": project.fee_model,
            "business_start": project.business_start,
            "business_end": project.business_end,
            "business_weekdays": sorted(project.business_weekdays),
        }

    def clean(self) -> dict[str, Any]:
        super().clean()
        data = self.cleaned_data
        start, end = data.get("business_start"), data.get("business_end")
        if isinstance(start, dt.time) and isinstance(end, dt.time) and end <= start:
            self.add_error("business_end", _("Business hours must end after they start."))
        return data

    def service_fields(self) -> dict[str, Any]:
        data = dict(self.cleaned_data)
        data["business_weekdays"] = "".join(sorted(data["business_weekdays"]))
        return data


class BuildingForm(forms.Form):
    project = forms.ModelChoiceField(label=_("Project"), queryset=Project.objects.none())
    name = forms.CharField(label=_("Name"), max_length=100)
    floors = forms.IntegerField(
        label=_("Floors above ground"), required=False, min_value=1, max_value=200
    )

    def __init__(
        self, *args: Any, projects: QuerySet[Project] | None = None, **kwargs: Any
    ) -> None:
        super().__init__(*args, **kwargs)
        if projects is None:  # editing: the project is fixed
            del self.fields["project"]
        else:
            cast(forms.ModelChoiceField, self.fields["project"]).queryset = projects


class UnitForm(forms.Form):
    building = BuildingChoiceField(label=_("Building"), queryset=Building.objects.none())
    number = forms.CharField(label=_("Number"), max_length=30)
    floor = forms.IntegerField(label=_("Floor"), required=False, min_value=-10, max_value=200)
    use = forms.ChoiceField(label=_("Use"), choices=UnitUse.choices)
    building_area = forms.DecimalField(
        label=_("Building area (m²)"), required=False, max_digits=10, decimal_places=2
    )

    def __init__(self, *args: Any, buildings: QuerySet[Building], **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        cast(BuildingChoiceField, self.fields["building"]).queryset = buildings


class OccupantForm(forms.Form):
    """Create or edit an occupant. On edit the phone and ID number are never pre-filled:
    showing them in full is an audited reveal, so an empty field keeps the stored value."""

    project = forms.ModelChoiceField(label=_("Project"), queryset=Project.objects.none())
    kind = forms.ChoiceField(label=_("Kind"), choices=OccupantKind.choices)
    name = forms.CharField(label=_("Name"), max_length=200)
    contact_name = forms.CharField(label=_("Contact person"), max_length=100, required=False)
    mobile = forms.CharField(label=_("Mobile"), max_length=20, required=False)
    id_number = forms.CharField(label=_("ID card number"), max_length=18, required=False)
    birthday = forms.DateField(label=_("Birthday"), required=False, widget=DateInput())
    email = forms.EmailField(label=_("E-mail"), required=False)
    note = forms.CharField(
        label=_("Note"), required=False, widget=forms.Textarea(attrs={"rows": 3})
    )

    def __init__(
        self,
        *args: Any,
        projects: QuerySet[Project] | None = None,
        occupant: Occupant | None = None,
        **kwargs: Any,
    ) -> None:
        super().__init__(*args, **kwargs)
        self.occupant = occupant
        if projects is None:
            del self.fields["project"]
        else:
            cast(forms.ModelChoiceField, self.fields["project"]).queryset = projects
        if occupant is not None:
            keep = _("Leave empty to keep the current value (%(value)s).")
            if occupant.mobile:
                self.fields["mobile"].help_text = keep % {"value": occupant.masked_mobile}
            if occupant.id_number:
                self.fields["id_number"].help_text = keep % {"value": occupant.masked_id_number}

    # The services validate these too; checking here shows every error in one round trip.
    def clean_mobile(self) -> str:
        value: str = self.cleaned_data["mobile"]
        if value:
            validate_phone(value)
        return value

    def clean_id_number(self) -> str:
        value: str = self.cleaned_data["id_number"]
        if value:
            validate_id_number(value)
        return value

    @classmethod
    def initial_for(cls, occupant: Occupant) -> dict[str, Any]:
        return {
            "kind": occupant.kind,
            "name": occupant.name,
            "contact_name": occupant.contact_name,
            "birthday": occupant.birthday,
            "email": occupant.email,
            "note": occupant.note,
        }

    def service_fields(self) -> dict[str, Any]:
        data = {k: v for k, v in self.cleaned_data.items() if k != "project"}
        if self.occupant is not None:
            for secret in ("mobile", "id_number"):
                if not data.get(secret):
                    data.pop(secret, None)
        return data


class OccupantChoiceField(forms.ModelChoiceField):
    """Occupants labelled with their masked mobile, to tell namesakes apart."""

    def label_from_instance(self, obj: Occupant) -> str:
        return f"{obj.name} {obj.masked_mobile}".strip()


class OccupancyStartForm(forms.Form):
    occupant = OccupantChoiceField(label=_("Occupant"), queryset=Occupant.objects.none())
    relation = forms.ChoiceField(label=_("Relation"), choices=Relation.choices)
    start_date = forms.DateField(label=_("From"), required=False, widget=DateInput())

    def __init__(self, *args: Any, occupants: QuerySet[Occupant], **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        cast(OccupantChoiceField, self.fields["occupant"]).queryset = occupants


class OccupancyEndForm(forms.Form):
    end_date = forms.DateField(label=_("Until"), required=False, widget=DateInput())
