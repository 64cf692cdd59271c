from __future__ import annotations

from typing import Any, cast

from django import forms
from django.db.models import QuerySet
from django.utils.translation import gettext_lazy as _

from wuye.places.forms import BuildingChoiceField
from wuye.places.models import Building, Project

MAX_UPLOAD_BYTES = 20 * 1024 * 1024


class ImportForm(forms.Form):
    project = forms.ModelChoiceField(
        queryset=Project.objects.none(), label=_("Project"), empty_label=_("Choose a project")
    )
    file = forms.FileField(
        label=_("Excel file (.xlsx)"), widget=forms.ClearableFileInput(attrs={"accept": ".xlsx"})
    )

    def __init__(self, *args: Any, projects: QuerySet[Project], **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        cast(forms.ModelChoiceField, self.fields["project"]).queryset = projects

    def clean_file(self) -> Any:
        upload = self.cleaned_data["file"]
        if not (upload.name or "").lower().endswith(".xlsx"):
            raise forms.ValidationError(
                _("Upload an Excel workbook (.xlsx). Save older .xls or .csv files as .xlsx first.")
            )
        if upload.size > MAX_UPLOAD_BYTES:
            raise forms.ValidationError(
                _("The file is larger than 20 MB; split it into smaller files.")
            )
        return upload


class ExportForm(forms.Form):
    project = forms.ModelChoiceField(
        queryset=Project.objects.none(),
        required=False,
        label=_("Project"),
        empty_label=_("All my projects"),
    )
    building = BuildingChoiceField(
        queryset=Building.objects.none(),
        required=False,
        label=_("Building"),
        empty_label=_("All buildings"),
    )
    q = forms.CharField(
        required=False,
        max_length=100,
        label=_("Search"),
        help_text=_("Unit number, building, occupant name or phone (last 4 digits)."),
    )
    include_personal_data = forms.BooleanField(
        required=False,
        label=_("Include full personal data"),
        help_text=_("Full mobile and ID numbers instead of masked ones. The export is recorded."),
    )

    def __init__(
        self, *args: Any, projects: QuerySet[Project], buildings: QuerySet[Building], **kwargs: Any
    ) -> None:
        super().__init__(*args, **kwargs)
        cast(forms.ModelChoiceField, self.fields["project"]).queryset = projects
        cast(BuildingChoiceField, self.fields["building"]).queryset = buildings

    def clean(self) -> dict[str, Any]:
        super().clean()
        data = self.cleaned_data
        project, building = data.get("project"), data.get("building")
        if project and building and building.project_id != project.pk:
            self.add_error("building", _("This building is not in the chosen project."))
        return data
