"""Forms of the resident portal. They validate input only; services do the writes."""

from __future__ import annotations

from django import forms
from django.utils.translation import gettext_lazy as _

from wuye.core.phones import normalize_phone

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
