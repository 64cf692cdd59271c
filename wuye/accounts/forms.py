"""Forms for staff sign-in and membership management."""

from __future__ import annotations

from typing import Any, cast

from django import forms
from django.contrib.auth.forms import AuthenticationForm
from django.utils.translation import gettext_lazy as _

from wuye.accounts.models import PROJECT_ROLES, Role, User
from wuye.accounts.services import user_find
from wuye.places.models import Project


class LoginForm(AuthenticationForm):
    """Username or mobile number plus password (see ``UsernameOrMobileBackend``)."""

    username = forms.CharField(
        label=_("Username or mobile number"),
        max_length=150,
        widget=forms.TextInput(attrs={"autofocus": True, "autocomplete": "username"}),
    )
    password = forms.CharField(
        label=_("Password"),
        strip=False,
        widget=forms.PasswordInput(attrs={"autocomplete": "current-password"}),
    )

    error_messages = {
        "invalid_login": _("The username, mobile number or password is incorrect."),
        "inactive": _("This account is disabled."),
    }


class MembershipForm(forms.Form):
    """Grant a role: the user is looked up by username or mobile number."""

    user = forms.CharField(
        label=_("User"),
        max_length=150,
        help_text=_("Username or mobile number of an existing account."),
    )
    role = forms.ChoiceField(label=_("Role"))
    project = forms.ModelChoiceField(
        label=_("Project"),
        queryset=Project.objects.none(),
        help_text=_(
            "For the company admin role, the membership covers the project's whole company."
        ),
    )

    def __init__(self, *args: Any, projects: Any, may_appoint_admin: bool, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        cast(forms.ModelChoiceField, self.fields["project"]).queryset = projects
        roles = [(r.value, r.label) for r in PROJECT_ROLES]
        if may_appoint_admin:
            roles.append((Role.COMPANY_ADMIN.value, Role.COMPANY_ADMIN.label))
        cast(forms.ChoiceField, self.fields["role"]).choices = [("", "---------"), *roles]
        self.found_user: User | None = None

    def clean_user(self) -> str:
        login: str = self.cleaned_data["user"]
        self.found_user = user_find(login=login)
        if self.found_user is None:
            raise forms.ValidationError(
                _("No active account has this username or mobile number."), code="unknown_user"
            )
        return login
