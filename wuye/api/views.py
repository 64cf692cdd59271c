"""The "API tokens" page: list my tokens, create one (its secret shown once), revoke one."""

from __future__ import annotations

from django import forms
from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.http import HttpResponse
from django.shortcuts import get_object_or_404, redirect, render
from django.utils.cache import add_never_cache_headers
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy
from django.views.decorators.http import require_http_methods, require_POST

from wuye.accounts.tokens import token_create, token_list, token_revoke
from wuye.core.errors import DomainError
from wuye.core.http import AuthenticatedHttpRequest


class TokenForm(forms.Form):
    name = forms.CharField(
        label=gettext_lazy("Name"),
        max_length=100,
        required=False,
        help_text=gettext_lazy("What the token is for, e.g. the name of a script or a machine."),
    )


@login_required
@require_http_methods(["GET", "POST"])
def tokens(request: AuthenticatedHttpRequest) -> HttpResponse:
    form = TokenForm(request.POST or None)
    created = secret = None
    if request.method == "POST" and form.is_valid():
        created, secret = token_create(user=request.user, name=form.cleaned_data["name"])
        form = TokenForm()
    # The secret is rendered into this one response (never stored, no redirect), so it
    # must not be cached either.
    response = render(
        request,
        "api/tokens.html",
        {
            "form": form,
            "tokens": token_list(user=request.user),
            "created": created,
            "secret": secret,
        },
    )
    add_never_cache_headers(response)
    return response


@login_required
@require_POST
def revoke(request: AuthenticatedHttpRequest, token_id: int) -> HttpResponse:
    token = get_object_or_404(token_list(user=request.user), pk=token_id)
    try:
        token_revoke(actor=request.user, token=token)
    except DomainError as exc:
        messages.error(request, exc.message)
    else:
        messages.success(request, _("Token %(prefix)s… was revoked.") % {"prefix": token.prefix})
    return redirect("api:tokens")
