"""Forms of the messaging screens."""

from __future__ import annotations

from typing import Any

from django import forms
from django.utils.translation import gettext_lazy as _

from wuye.console.forms.filters import ALL, FilterForm
from wuye.console.forms.widgets import FastSelect
from wuye.messaging.events import all_events
from wuye.messaging.models import MessageChannel, MessageStatus

CHANNEL_CHOICES = [
    ("in_app", _("In-app")),
    ("wechat", _("WeChat")),
    ("sms", _("SMS")),
    ("email", _("E-mail")),
]
LANGUAGE_CHOICES = [("zh-hans", "简体中文"), ("en", "English")]


class OutboxFilterForm(FilterForm):
    status = forms.ChoiceField(
        label=_("Status"), required=False, widget=FastSelect, choices=[ALL, *MessageStatus.choices]
    )
    channel = forms.ChoiceField(
        label=_("Channel"),
        required=False,
        widget=FastSelect,
        choices=[ALL, *MessageChannel.choices],
    )
    field_order = ["q", "project", "status", "channel"]

    def __init__(self, data: Any, **kwargs: Any) -> None:
        super().__init__(data, **kwargs)
        self.fields["q"].widget.attrs["placeholder"] = _("Subject, recipient or event")


class TemplateForm(forms.Form):
    event = forms.ChoiceField(label=_("Event"))
    channel = forms.ChoiceField(
        label=_("Channel"), required=False, choices=[("", _("Any channel")), *CHANNEL_CHOICES]
    )
    language = forms.ChoiceField(label=_("Language"), choices=LANGUAGE_CHOICES)
    subject = forms.CharField(label=_("Subject"), required=False, max_length=200)
    body = forms.CharField(label=_("Body"), widget=forms.Textarea(attrs={"rows": 6}))
    html = forms.CharField(
        label=_("HTML body (e-mail)"),
        required=False,
        widget=forms.Textarea(attrs={"rows": 4}),
    )

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.fields["event"].choices = [  # type: ignore[attr-defined]
            (e.code, f"{e.label} ({e.code})") for e in all_events()
        ]


class PreferenceForm(forms.Form):
    first = forms.ChoiceField(label=_("Reach me first by"), choices=CHANNEL_CHOICES)
    second = forms.ChoiceField(
        label=_("Then by"), required=False, choices=[("", "—"), *CHANNEL_CHOICES]
    )
    third = forms.ChoiceField(
        label=_("Then by"), required=False, choices=[("", "—"), *CHANNEL_CHOICES]
    )
    opt_out_greetings = forms.BooleanField(
        label=_("No holiday and birthday greetings"), required=False
    )
    opt_out_marketing = forms.BooleanField(
        label=_("No activity invitations or promotions"), required=False
    )

    def channels(self) -> list[str]:
        picked = [self.cleaned_data.get(k) for k in ("first", "second", "third")]
        return list(dict.fromkeys(c for c in picked if c))
