"""Forms of the resident portal. They validate input only; services do the writes."""

from __future__ import annotations

import datetime as dt
from typing import Any

from django import forms
from django.core.files.uploadedfile import UploadedFile
from django.utils.functional import Promise
from django.utils.translation import gettext_lazy as _

from wuye.core.phones import normalize_phone
from wuye.portal.selectors import ReportUnit
from wuye.servicedesk.models import AttachmentKind, Category, TicketKind
from wuye.servicedesk.services.attachments import ALLOWED_TYPES, MAX_UPLOAD_BYTES, sniff

_MOBILE_WIDGET = forms.TextInput(
    attrs={"inputmode": "tel", "autocomplete": "tel", "placeholder": _("11-digit mobile number")}
)


class PasswordLoginForm(forms.Form):
    # Passed to the backend as typed (stripped): it matches a username or a normalised mobile.
    mobile = forms.CharField(label=_("Mobile number"), max_length=150, widget=_MOBILE_WIDGET)
    password = forms.CharField(
        label=_("Password"),
        strip=False,
        widget=forms.PasswordInput(attrs={"autocomplete": "current-password"}),
    )


class CodeRequestForm(forms.Form):
    mobile = forms.CharField(label=_("Mobile number"), max_length=30, widget=_MOBILE_WIDGET)

    def clean_mobile(self) -> str:
        return normalize_phone(self.cleaned_data["mobile"])


class CodeLoginForm(CodeRequestForm):
    code = forms.RegexField(
        label=_("Verification code"),
        regex=r"^\s*\d{6}\s*$",
        error_messages={"invalid": _("The code has 6 digits.")},
        widget=forms.TextInput(
            attrs={
                "inputmode": "numeric",
                "autocomplete": "one-time-code",
                "maxlength": "6",
                "placeholder": "000000",
            }
        ),
    )

    def clean_code(self) -> str:
        code: str = self.cleaned_data["code"]
        return code.strip()


class ProfileForm(forms.Form):
    display_name = forms.CharField(
        label=_("Display name"),
        max_length=100,
        widget=forms.TextInput(attrs={"autocomplete": "nickname"}),
    )
    email = forms.EmailField(
        label=_("E-mail address"),
        required=False,
        max_length=254,
        widget=forms.EmailInput(attrs={"autocomplete": "email"}),
    )

    def clean_display_name(self) -> str:
        name: str = self.cleaned_data["display_name"]
        name = name.strip()
        if not name:
            raise forms.ValidationError(_("Please enter the name we should call you."))
        return name


# --- service desk ----------------------------------------------------------------------------

#: At most this many photos with one report (and per "add photos").
MAX_PHOTOS = 6

#: What a resident may report, in the order the form offers it, with a line of help each.
REPORT_KINDS: list[tuple[str, Promise, Promise]] = [
    (
        TicketKind.REPAIR_UNIT,
        _("Repair at home"),
        _("Water, power, doors, windows… inside your home"),
    ),
    (
        TicketKind.REPAIR_PUBLIC,
        _("Public area"),
        _("Lifts, corridors, lights, gates, greenery"),
    ),
    (TicketKind.COMPLAINT, _("Complaint"), _("Tell us what went wrong; we follow it up")),
    (TicketKind.INQUIRY, _("Inquiry"), _("Ask the service centre a question")),
    (TicketKind.SUGGESTION, _("Suggestion"), _("An idea to make things better")),
    (TicketKind.PRAISE, _("Praise"), _("Thank a member of staff")),
    (
        TicketKind.SPECIAL_SERVICE,
        _("Special service"),
        _("A service beyond the usual; we reply within 24 hours"),
    ),
    (
        TicketKind.HOME_REPAIR,
        _("Paid home repair"),
        _("At list prices; you confirm the fee before work starts"),
    ),
]
KIND_LABELS: dict[str, Promise] = {kind: label for kind, label, _hint in REPORT_KINDS}


class MultipleFileInput(forms.ClearableFileInput):
    allow_multiple_selected = True


class PhotosField(forms.FileField):
    """Up to :data:`MAX_PHOTOS` images (checked by content in ``attachment_add``)."""

    widget = MultipleFileInput(attrs={"accept": "image/*"})

    def clean(self, data: Any, initial: Any = None) -> list[UploadedFile]:
        files = [f for f in (data if isinstance(data, list | tuple) else [data]) if f]
        if not files and self.required:
            raise forms.ValidationError(_("Choose at least one photo."), code="required")
        if len(files) > MAX_PHOTOS:
            raise forms.ValidationError(
                _("At most %(count)d photos, please.") % {"count": MAX_PHOTOS},
                code="too_many",
            )
        cleaned = [super(PhotosField, self).clean(f, initial) for f in files]
        errors = [problem for f in cleaned if (problem := _photo_problem(f))]
        if errors:
            raise forms.ValidationError(errors)
        return cleaned


def _photo_problem(upload: UploadedFile) -> str:
    """Why ``upload`` cannot be a ticket photo ("" when it can): the service's own rules
    (content, not name; size), checked here so that nothing is registered or stored when one
    of several photos is wrong."""
    if not upload.size:
        problem = str(_("The file is empty."))
    elif upload.size > MAX_UPLOAD_BYTES:
        problem = str(_("The photo is larger than %(mb)d MB.") % {"mb": MAX_UPLOAD_BYTES >> 20})
    else:
        upload.seek(0)
        sniffed = sniff(upload.read(32))
        upload.seek(0)
        if sniffed is not None and sniffed.content_type in ALLOWED_TYPES[AttachmentKind.PHOTO]:
            return ""
        problem = str(_("This is not a photo: choose a JPEG, PNG, WEBP or HEIC image."))
    return f"{upload.name}: {problem}"


class TicketReportForm(forms.Form):
    """报事报修. ``units`` are the resident's current units; ``categories`` those of their
    projects (checked against the chosen unit's project in ``clean``)."""

    unit = forms.TypedChoiceField(label=_("Unit"), coerce=int)
    kind = forms.ChoiceField(
        label=_("What is it about?"),
        choices=[(kind, label) for kind, label, _hint in REPORT_KINDS],
        initial=TicketKind.REPAIR_UNIT,
        widget=forms.RadioSelect,
        error_messages={"required": _("Choose what it is about.")},
    )
    category = forms.TypedChoiceField(
        label=_("Category"), coerce=int, required=False, empty_value=None
    )
    place = forms.CharField(
        label=_("Where exactly?"),
        max_length=200,
        required=False,
        widget=forms.TextInput(attrs={"placeholder": _("e.g. the lift of building 3")}),
    )
    description = forms.CharField(
        label=_("Description"),
        max_length=1000,
        widget=forms.Textarea(
            attrs={
                "rows": 4,
                "placeholder": _("What happened, since when, anything we should know"),
            }
        ),
        error_messages={"required": _("Please describe the problem.")},
    )
    urgent = forms.BooleanField(
        label=_("Urgent: water leaking, no power, gas smell, someone trapped"), required=False
    )
    appointment_at = forms.DateTimeField(
        label=_("Preferred time"),
        required=False,
        input_formats=["%Y-%m-%dT%H:%M", "%Y-%m-%d %H:%M"],
        widget=forms.DateTimeInput(attrs={"type": "datetime-local"}, format="%Y-%m-%dT%H:%M"),
        help_text=_("Leave empty for “as soon as possible”."),
        error_messages={"invalid": _("Enter a date and time.")},
    )
    photos = PhotosField(
        label=_("Photos"),
        required=False,
        help_text=_("Up to 6 photos (JPEG, PNG, WEBP or HEIC, at most 10 MB each)."),
    )
    idempotency_key = forms.UUIDField(widget=forms.HiddenInput)

    def __init__(
        self,
        *args: Any,
        units: list[ReportUnit],
        categories: list[Category],
        now: dt.datetime,
        **kwargs: Any,
    ) -> None:
        super().__init__(*args, **kwargs)
        self.now = now
        self.units = {entry.unit.pk: entry for entry in units}
        several_projects = len({entry.unit.project_id for entry in units}) > 1
        unit_field = self.fields["unit"]
        assert isinstance(unit_field, forms.ChoiceField)
        unit_field.choices = [
            (
                entry.unit.pk,
                f"{entry.unit.project.name} {entry.unit.building.name} {entry.unit.number}"
                if several_projects
                else f"{entry.unit.building.name} {entry.unit.number}",
            )
            for entry in units
        ]
        if len(units) == 1:
            unit_field.initial = units[0].unit.pk
        self.categories = {category.pk: category for category in categories}
        category_field = self.fields["category"]
        assert isinstance(category_field, forms.ChoiceField)
        blank: list[Any] = [("", _("Not sure"))]
        if several_projects:
            groups: dict[str, list[tuple[int, str]]] = {}
            for category in categories:
                groups.setdefault(category.project.name, []).append((category.pk, category.name))
            category_field.choices = blank + list(groups.items())
        else:
            category_field.choices = blank + [(c.pk, c.name) for c in categories]

    def clean_appointment_at(self) -> dt.datetime | None:
        value: dt.datetime | None = self.cleaned_data.get("appointment_at")
        if value is None:
            return None
        if value < self.now - dt.timedelta(minutes=5):
            raise forms.ValidationError(_("Choose a time in the future."), code="past")
        if value > self.now + dt.timedelta(days=90):
            raise forms.ValidationError(_("Choose a time within the next 90 days."), code="too_far")
        return value

    def clean_description(self) -> str:
        text: str = self.cleaned_data["description"].strip()
        if not text:
            raise forms.ValidationError(_("Please describe the problem."), code="required")
        return text

    def clean(self) -> dict[str, Any]:
        super().clean()
        data = self.cleaned_data
        entry = self.units.get(data.get("unit") or 0)
        category_id = data.get("category")
        if entry is not None and category_id is not None:
            category = self.categories.get(category_id)
            if category is None or category.project_id != entry.unit.project_id:
                self.add_error("category", _("This category is not offered for the chosen unit."))
        if data.get("kind") == TicketKind.REPAIR_PUBLIC and not data.get("place", "").strip():
            self.add_error("place", _("Say where in the public area, please."))
        return data

    @property
    def unit_entry(self) -> ReportUnit:
        return self.units[self.cleaned_data["unit"]]

    @property
    def chosen_category(self) -> Category | None:
        category_id = self.cleaned_data.get("category")
        return self.categories.get(category_id) if category_id else None


class ReasonForm(forms.Form):
    """Cancel or reopen: the reason is required."""

    reason = forms.CharField(
        label=_("Reason"),
        max_length=500,
        widget=forms.Textarea(attrs={"rows": 2}),
        error_messages={"required": _("Please give a reason.")},
    )

    def clean_reason(self) -> str:
        reason: str = self.cleaned_data["reason"].strip()
        if not reason:
            raise forms.ValidationError(_("Please give a reason."), code="required")
        return reason


class RatingForm(forms.Form):
    rating = forms.TypedChoiceField(
        label=_("Rating"),
        coerce=int,
        choices=[(n, str(n)) for n in range(5, 0, -1)],
        widget=forms.RadioSelect,
        error_messages={"required": _("Choose 1 to 5 stars.")},
    )
    comment = forms.CharField(
        label=_("Comment"),
        max_length=500,
        required=False,
        widget=forms.Textarea(attrs={"rows": 2, "placeholder": _("Anything you want to tell us")}),
    )


class VerdictForm(forms.Form):
    """A yes/no answer with an optional note: the complaint result, the proposed fee."""

    answer = forms.ChoiceField(choices=[("yes", "yes"), ("no", "no")])
    note = forms.CharField(
        label=_("Note"), max_length=500, required=False, widget=forms.Textarea(attrs={"rows": 2})
    )


class PhotosForm(forms.Form):
    photos = PhotosField(label=_("Add photos"))
