"""Forms of the desk and technician screens.

Forms only parse and check what a person typed; the services decide (state, permission,
scope) and their ``DomainError`` lands on the form through ``apply_errors``. Choices are
always limited to the ticket's (or the desk's) project.
"""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from decimal import Decimal
from typing import Any, cast

from django import forms
from django.db.models import QuerySet
from django.utils.translation import gettext_lazy as _

from wuye.accounts.models import User
from wuye.console.forms.filters import ALL, FilterForm
from wuye.console.forms.widgets import FastSelect
from wuye.core.phones import normalize_phone
from wuye.places.models import Building, Occupant, Unit
from wuye.servicedesk.models import (
    Category,
    Channel,
    ChargeKind,
    FollowUp,
    PauseReasonChoices,
    PriceItem,
    ReturnVisitMethod,
    ReturnVisitOutcome,
    Team,
    TicketKind,
    TicketState,
    Urgency,
)

_DATETIME_FORMATS = ["%Y-%m-%dT%H:%M", "%Y-%m-%d %H:%M", "%Y-%m-%dT%H:%M:%S", "%Y-%m-%d %H:%M:%S"]


def _datetime_field(label: Any, **kwargs: Any) -> forms.DateTimeField:
    return forms.DateTimeField(
        label=label,
        required=False,
        input_formats=_DATETIME_FORMATS,
        widget=forms.DateTimeInput(attrs={"type": "datetime-local"}, format="%Y-%m-%dT%H:%M"),
        **kwargs,
    )


def _user_label(user: User) -> str:
    """The name; with the open tickets when the caller counted them (``open_tickets``)."""
    name = str(user)  # display name, else full name, else username
    count = getattr(user, "open_tickets", None)
    if count is None:
        return name
    return _("%(name)s (%(count)d open)") % {"name": name, "count": count}


class UserChoiceField(forms.ModelChoiceField[User]):
    def label_from_instance(self, obj: User) -> str:
        return _user_label(obj)


# --- registering a call ----------------------------------------------------------------------


class RegisterForm(forms.Form):
    """One call or counter visit. The phone comes first: typing it (or its last four digits)
    looks the caller up; picking a result fills ``reporter``, ``reporter_name`` and ``unit``."""

    phone = forms.CharField(
        label=_("Caller's phone"),
        required=False,
        max_length=40,
        widget=forms.TextInput(
            attrs={
                "type": "tel",
                "autocomplete": "off",
                "autofocus": True,
                "inputmode": "tel",
                "placeholder": _("Last 4 digits or the full number; or a unit or name"),
            }
        ),
    )
    reporter = forms.ModelChoiceField(
        queryset=Occupant.objects.none(), required=False, widget=forms.HiddenInput
    )
    unit = forms.ModelChoiceField(
        queryset=Unit.objects.none(), required=False, widget=forms.HiddenInput
    )
    reporter_name = forms.CharField(label=_("Caller's name"), required=False, max_length=100)
    channel = forms.ChoiceField(
        label=_("Channel"),
        choices=[
            (Channel.PHONE.value, Channel.PHONE.label),
            (Channel.COUNTER, Channel.COUNTER.label),
        ],
        initial=Channel.PHONE,
        widget=forms.RadioSelect,
    )
    kind = forms.ChoiceField(
        label=_("Kind"),
        choices=TicketKind.choices,
        initial=TicketKind.REPAIR_UNIT,
        widget=forms.RadioSelect,
    )
    category = forms.ModelChoiceField(
        label=_("Category"), queryset=Category.objects.none(), required=False
    )
    urgency = forms.ChoiceField(
        label=_("Urgency"),
        choices=Urgency.choices,
        initial=Urgency.NORMAL,
        widget=forms.RadioSelect,
    )
    description = forms.CharField(
        label=_("Description"),
        max_length=2000,
        widget=forms.Textarea(attrs={"rows": 3, "placeholder": _("What happened, and where")}),
    )
    building = forms.ModelChoiceField(
        label=_("Building"), queryset=Building.objects.none(), required=False
    )
    place = forms.CharField(
        label=_("Place"),
        required=False,
        max_length=200,
        widget=forms.TextInput(attrs={"placeholder": _("e.g. lobby, car park B2, east gate")}),
    )
    appointment_at = _datetime_field(_("Appointment"))

    def __init__(
        self,
        *args: Any,
        occupants: QuerySet[Occupant],
        units: QuerySet[Unit],
        categories: QuerySet[Category],
        buildings: QuerySet[Building],
        **kwargs: Any,
    ) -> None:
        super().__init__(*args, **kwargs)
        cast(forms.ModelChoiceField[Occupant], self.fields["reporter"]).queryset = occupants
        cast(forms.ModelChoiceField[Unit], self.fields["unit"]).queryset = units
        cast(forms.ModelChoiceField[Category], self.fields["category"]).queryset = categories
        cast(forms.ModelChoiceField[Building], self.fields["building"]).queryset = buildings
        # the lookup fires as the clerk types (see templates/servicedesk/desk/home.html)
        self.fields["phone"].widget.attrs["aria-describedby"] = "caller-results"

    def clean(self) -> dict[str, Any]:
        data = super().clean() or {}
        raw = (data.get("phone") or "").strip()
        digits = normalize_phone(raw)
        picked = data.get("reporter") is not None or data.get("unit") is not None
        if digits.isdigit() and 7 <= len(digits) <= 12:
            data["reporter_phone"] = digits
        elif not raw or picked:
            # a tail or a name typed to find the caller: the service takes the picked
            # occupant's own number
            data["reporter_phone"] = ""
        else:
            self.add_error(
                "phone",
                _("Enter the full number (7 to 12 digits), or pick the caller from the results."),
            )
        kind = data.get("kind")
        if kind == TicketKind.REPAIR_UNIT and data.get("unit") is None:
            self.add_error(
                "phone", _("An in-unit repair needs the unit: find the caller and pick their unit.")
            )
        if (
            kind == TicketKind.REPAIR_PUBLIC
            and data.get("building") is None
            and not (data.get("place") or "").strip()
            and data.get("unit") is None
        ):
            self.add_error("place", _("Say where: choose a building or describe the place."))
        return data

    def service_fields(self) -> dict[str, Any]:
        d = self.cleaned_data
        return {
            "kind": d["kind"],
            "description": d["description"],
            "urgency": d["urgency"],
            "channel": d["channel"],
            "category": d.get("category"),
            "unit": d.get("unit"),
            "building": d.get("building"),
            "place": d.get("place") or "",
            "reporter": d.get("reporter"),
            "reporter_name": d.get("reporter_name") or "",
            "reporter_phone": d.get("reporter_phone") or "",
            "appointment_at": d.get("appointment_at"),
        }


# --- the ticket list -------------------------------------------------------------------------

STATUS_CHOICES = [
    ("open", _("Open tickets")),
    ("overdue", _("Overdue tickets")),
    ("all", _("All tickets")),
]


class TicketFilterForm(FilterForm):
    status = forms.ChoiceField(
        label=_("Show"), required=False, widget=FastSelect, choices=STATUS_CHOICES
    )
    state = forms.ChoiceField(
        label=_("State"), required=False, widget=FastSelect, choices=[ALL, *TicketState.choices]
    )
    kind = forms.ChoiceField(
        label=_("Kind"), required=False, widget=FastSelect, choices=[ALL, *TicketKind.choices]
    )
    category = forms.ChoiceField(label=_("Category"), required=False, widget=FastSelect)
    urgency = forms.ChoiceField(
        label=_("Urgency"), required=False, widget=FastSelect, choices=[ALL, *Urgency.choices]
    )
    assignee = forms.ChoiceField(label=_("Assignee"), required=False, widget=FastSelect)

    field_order = ["q", "project", "status", "state", "kind", "category", "urgency", "assignee"]

    def __init__(
        self,
        data: Any,
        *,
        categories: Iterable[Category],
        assignees: Iterable[User],
        **kwargs: Any,
    ) -> None:
        super().__init__(data, **kwargs)
        self.fields["q"].widget.attrs["placeholder"] = _("Number, phone (last 4 digits) or words")
        one_project = bool(kwargs.get("project_id"))
        cast(forms.ChoiceField, self.fields["category"]).choices = [
            ALL,
            *(
                (str(c.pk), c.name if one_project else f"{c.project.name} · {c.name}")
                for c in categories
            ),
        ]
        cast(forms.ChoiceField, self.fields["assignee"]).choices = [
            ALL,
            ("none", _("Nobody (pool)")),
            *((str(u.pk), _user_label(u)) for u in assignees),
        ]

    def value(self, name: str) -> str:
        if name == "status":
            return super().value(name) or "open"
        return super().value(name)


# --- ticket actions --------------------------------------------------------------------------


class ActionForm(forms.Form):
    """Base of the action forms: built with the ticket's choices (``ticket``, ``workers``,
    ``teams``, ``price_items``); ``prefix`` keeps several on one page apart."""

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        for name in ("ticket", "workers", "teams", "price_items"):
            kwargs.pop(name, None)
        super().__init__(*args, **kwargs)


class EmptyForm(ActionForm):
    pass


class NoteForm(ActionForm):
    note = forms.CharField(
        label=_("Note"), required=False, max_length=1000, widget=forms.Textarea(attrs={"rows": 2})
    )


class ReasonForm(ActionForm):
    reason = forms.CharField(
        label=_("Reason"), max_length=1000, widget=forms.Textarea(attrs={"rows": 2})
    )


class ResultForm(ActionForm):
    note = forms.CharField(
        label=_("Result"), max_length=2000, widget=forms.Textarea(attrs={"rows": 3})
    )


class _WorkerChoices(ActionForm):
    """Forms choosing a field worker (and optionally a team) of the ticket's project."""

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        workers: Sequence[User] = kwargs.get("workers") or []
        teams: Sequence[Team] = kwargs.get("teams") or []
        super().__init__(*args, **kwargs)
        ids = [u.pk for u in workers]
        if "assignee" in self.fields:
            field = cast(UserChoiceField, self.fields["assignee"])
            field.queryset = User.objects.filter(pk__in=ids).order_by("username")
            # the labels come from the list already loaded (no query while rendering)
            field.choices = [("", field.empty_label or "")] + [
                (u.pk, _user_label(u)) for u in workers
            ]
        if "team" in self.fields:
            team_field = cast(forms.ModelChoiceField[Team], self.fields["team"])
            team_field.queryset = Team.objects.filter(pk__in=[t.pk for t in teams])
            team_field.choices = [("", _("No team"))] + [(t.pk, t.name) for t in teams]


class DispatchForm(_WorkerChoices):
    assignee = UserChoiceField(
        label=_("Technician"),
        queryset=User.objects.none(),
        required=False,
        empty_label=_("Nobody: put it in the grab pool"),
    )
    team = forms.ModelChoiceField(label=_("Team"), queryset=Team.objects.none(), required=False)
    note = forms.CharField(label=_("Note"), required=False, max_length=1000)


class ReassignForm(_WorkerChoices):
    assignee = UserChoiceField(label=_("New technician"), queryset=User.objects.none())
    team = forms.ModelChoiceField(label=_("Team"), queryset=Team.objects.none(), required=False)
    reason = forms.CharField(
        label=_("Reason"), max_length=1000, widget=forms.Textarea(attrs={"rows": 2})
    )


class PauseForm(ActionForm):
    reason = forms.ChoiceField(label=_("Why"), choices=PauseReasonChoices.choices)
    appointment_at = _datetime_field(_("New appointment"))
    note = forms.CharField(label=_("Note"), required=False, max_length=1000)


class ConfirmForm(ActionForm):
    satisfied = forms.TypedChoiceField(
        label=_("The customer is"),
        choices=[("yes", _("Satisfied")), ("no", _("Not satisfied"))],
        coerce=lambda v: v == "yes",
        widget=forms.RadioSelect,
    )
    note = forms.CharField(label=_("Note"), required=False, max_length=1000)


class ReturnVisitForm(ActionForm):
    outcome = forms.ChoiceField(
        label=_("Outcome"), choices=ReturnVisitOutcome.choices, widget=forms.RadioSelect
    )
    rating = forms.TypedChoiceField(
        label=_("Rating"),
        required=False,
        coerce=int,
        empty_value=None,
        choices=[(str(n), "★" * n) for n in range(1, 6)],
        widget=forms.RadioSelect,
    )
    method = forms.ChoiceField(
        label=_("How"),
        choices=[
            (ReturnVisitMethod.PHONE.value, ReturnVisitMethod.PHONE.label),
            (ReturnVisitMethod.VISIT.value, ReturnVisitMethod.VISIT.label),
        ],
        initial=ReturnVisitMethod.PHONE,
    )
    comment = forms.CharField(
        label=_("Comment"),
        required=False,
        max_length=2000,
        widget=forms.Textarea(attrs={"rows": 2}),
    )
    follow_up = forms.ChoiceField(
        label=_("If not satisfied"),
        required=False,
        choices=[("", _("No follow-up")), *[c for c in FollowUp.choices if c[0]]],
    )

    def clean(self) -> dict[str, Any]:
        data = super().clean() or {}
        if data.get("follow_up") and data.get("outcome") != ReturnVisitOutcome.NOT_SATISFIED:
            self.add_error("follow_up", _("A follow-up is only for a customer not satisfied."))
        return data


# --- photos, signature, fees -----------------------------------------------------------------


class MultipleFileInput(forms.ClearableFileInput):
    allow_multiple_selected = True


class MultipleImageField(forms.FileField):
    """Several photos from one input (checked by content in the attachment service)."""

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        kwargs.setdefault(
            "widget",
            MultipleFileInput(attrs={"accept": "image/*", "capture": "environment"}),
        )
        super().__init__(*args, **kwargs)

    def clean(self, data: Any, initial: Any = None) -> list[Any]:
        single = super().clean
        if isinstance(data, list | tuple):
            return [single(d, initial) for d in data if d]
        return [single(data, initial)] if data else []


class PhotoForm(ActionForm):
    photos = MultipleImageField(label=_("Photos"))

    def clean_photos(self) -> list[Any]:
        photos = self.cleaned_data.get("photos") or []
        if not photos:
            raise forms.ValidationError(_("Choose at least one photo."), code="required")
        return list(photos)


class SignatureForm(ActionForm):
    signature = forms.CharField(widget=forms.HiddenInput, max_length=2_000_000)

    def clean_signature(self) -> str:
        value = self.cleaned_data["signature"]
        if not value.startswith("data:image/png;base64,"):
            raise forms.ValidationError(_("Ask the customer to sign in the box."), code="invalid")
        return str(value)


class CompleteForm(ActionForm):
    """Completing on site: photos of the result, the customer's signature, a note."""

    photos = MultipleImageField(label=_("Photos of the result"), required=False)
    signature = forms.CharField(widget=forms.HiddenInput, required=False, max_length=2_000_000)
    note = forms.CharField(
        label=_("Note"), required=False, max_length=1000, widget=forms.Textarea(attrs={"rows": 2})
    )

    def clean_signature(self) -> str:
        value = self.cleaned_data.get("signature") or ""
        if value and not value.startswith("data:image/png;base64,"):
            raise forms.ValidationError(_("The signature could not be read; sign again."))
        return str(value)


class ChargeLineForm(forms.Form):
    """One fee or material line: a price-list item, or a free line with its own price."""

    price_item = forms.ModelChoiceField(
        label=_("Price-list item"), queryset=PriceItem.objects.none(), required=False
    )
    kind = forms.ChoiceField(
        label=_("Kind"),
        required=False,
        choices=[("", _("As on the price list")), *ChargeKind.choices],
    )
    description = forms.CharField(label=_("Line description"), required=False, max_length=200)
    quantity = forms.DecimalField(
        label=_("Quantity"),
        required=False,
        min_value=Decimal("0.01"),
        max_digits=10,
        decimal_places=2,
        widget=forms.NumberInput(attrs={"step": "0.01", "inputmode": "decimal"}),
    )
    unit_price = forms.DecimalField(
        label=_("Unit price"),
        required=False,
        min_value=Decimal("0"),
        max_digits=10,
        decimal_places=2,
        widget=forms.NumberInput(attrs={"step": "0.01", "inputmode": "decimal"}),
    )

    def __init__(self, *args: Any, price_items: Sequence[PriceItem] = (), **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        field = cast(forms.ModelChoiceField[PriceItem], self.fields["price_item"])
        field.queryset = PriceItem.objects.filter(pk__in=[p.pk for p in price_items])
        field.choices = [("", _("Not on the price list"))] + [
            (p.pk, f"{p.name} · ¥{p.price}/{p.unit}") for p in price_items
        ]

    def is_blank(self) -> bool:
        d = self.cleaned_data
        return d.get("price_item") is None and not d.get("description") and not d.get("quantity")

    def clean(self) -> dict[str, Any]:
        data = super().clean() or {}
        if self.has_changed() and not self.is_blank():
            if data.get("price_item") is None and not data.get("description"):
                self.add_error("description", _("Describe the line or pick a price-list item."))
            if data.get("price_item") is None and data.get("unit_price") is None:
                self.add_error("unit_price", _("A line not on the price list needs its price."))
        return data


class ChargesForm(ActionForm):
    """Fee lines (or materials used) as a small formset of ``LINES`` rows."""

    LINES = 3
    purpose = forms.ChoiceField(
        label=_("These lines are"),
        choices=[("fee", _("A fee for the customer")), ("materials", _("Materials used (free)"))],
        initial="fee",
        widget=forms.RadioSelect,
    )

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        price_items: Sequence[PriceItem] = kwargs.get("price_items") or []
        super().__init__(*args, **kwargs)
        prefix = f"{self.prefix}-line" if self.prefix else "line"
        self.lines = [
            ChargeLineForm(
                self.data if self.is_bound else None,
                prefix=f"{prefix}{i}",
                price_items=price_items,
            )
            for i in range(self.LINES)
        ]

    def is_valid(self) -> bool:
        own = super().is_valid()
        lines_ok = all(line.is_valid() for line in self.lines)
        if own and lines_ok and not self.filled_lines():
            self.add_error(None, _("Enter at least one line."))
            return False
        return own and lines_ok

    def filled_lines(self) -> list[dict[str, Any]]:
        return [
            line.cleaned_data
            for line in self.lines
            if hasattr(line, "cleaned_data") and not line.is_blank()
        ]


class FeeConfirmForm(ActionForm):
    accepted = forms.TypedChoiceField(
        label=_("The customer"),
        choices=[("yes", _("Accepts the fee")), ("no", _("Declines the fee"))],
        coerce=lambda v: v == "yes",
        widget=forms.RadioSelect,
    )
    note = forms.CharField(label=_("Note"), required=False, max_length=1000)
