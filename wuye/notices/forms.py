"""Forms of the notice screens. They parse what was typed; the services validate and save
(their field errors land on the form through ``apply_errors``)."""

from __future__ import annotations

from collections.abc import Iterable
from typing import Any, cast

from django import forms
from django.utils.translation import gettext_lazy as _

from wuye.console.forms.filters import ALL, FilterForm
from wuye.console.forms.widgets import FastSelect
from wuye.notices.models import BODY_MAX, TITLE_MAX, NoticeCategory, NoticeState
from wuye.places.models import Project

_DATETIME_FORMATS = ["%Y-%m-%dT%H:%M", "%Y-%m-%d %H:%M", "%Y-%m-%dT%H:%M:%S", "%Y-%m-%d %H:%M:%S"]


def _datetime_field(label: Any, *, required: bool, help_text: Any = "") -> forms.DateTimeField:
    return forms.DateTimeField(
        label=label,
        required=required,
        help_text=help_text,
        input_formats=_DATETIME_FORMATS,
        widget=forms.DateTimeInput(attrs={"type": "datetime-local"}, format="%Y-%m-%dT%H:%M"),
    )


class NoticeFilterForm(FilterForm):
    category = forms.ChoiceField(
        label=_("Category"),
        required=False,
        widget=FastSelect,
        choices=[ALL, *NoticeCategory.choices],
    )
    state = forms.ChoiceField(
        label=_("State"), required=False, widget=FastSelect, choices=[ALL, *NoticeState.choices]
    )

    field_order = ["q", "project", "category", "state"]

    def __init__(self, data: Any, **kwargs: Any) -> None:
        super().__init__(data, **kwargs)
        self.fields["q"].widget.attrs["placeholder"] = _("Words of the title or text")


class NoticeForm(forms.Form):
    """Create (with ``projects``: where the user may write notices) or edit (no project)."""

    project = forms.ChoiceField(label=_("Project"))
    title = forms.CharField(label=_("Title"), max_length=TITLE_MAX)
    category = forms.ChoiceField(label=_("Category"), choices=NoticeCategory.choices)
    body = forms.CharField(
        label=_("Text"),
        max_length=BODY_MAX,
        strip=False,
        help_text=_("Plain text. Leave a blank line between paragraphs."),
        widget=forms.Textarea(attrs={"rows": 12}),
    )
    starts_at = _datetime_field(_("Shown from"), required=False, help_text=_("Empty: from now."))
    ends_at = _datetime_field(
        _("Shown until"), required=False, help_text=_("Leave empty to keep it shown.")
    )
    pinned = forms.BooleanField(label=_("Pinned (shown first)"), required=False)

    def __init__(self, *args: Any, projects: Iterable[Project] | None = None, **kwargs: Any):
        super().__init__(*args, **kwargs)
        if projects is None:
            del self.fields["project"]
        else:
            choices = [(str(p.pk), p.name) for p in projects]
            field = cast(forms.ChoiceField, self.fields["project"])
            field.choices = [("", "—"), *choices] if len(choices) > 1 else choices
