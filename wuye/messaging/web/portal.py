"""The resident portal's inbox and contact preferences."""

from __future__ import annotations

from django.contrib import messages
from django.http import HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.utils.translation import gettext as _

from wuye.accounts.access import resident_units
from wuye.console.views.common import apply_errors, paginate
from wuye.core.errors import DomainError
from wuye.messaging import selectors
from wuye.messaging.models import ContactPreference
from wuye.messaging.notify import policy_for
from wuye.messaging.people import inbox_mark_read, preference_update
from wuye.messaging.web.forms import PreferenceForm
from wuye.portal.views import resident_required


@resident_required
def inbox(request: HttpRequest) -> HttpResponse:
    qs = selectors.inbox_list(user=request.user)
    return render(request, "messaging/portal/inbox.html", {"page": paginate(request, qs)})


@resident_required
def inbox_detail(request: HttpRequest, pk: int) -> HttpResponse:
    message = selectors.access_inbox_message(request.user, pk)
    inbox_mark_read(user=request.user, message=message)
    return render(request, "messaging/portal/inbox_detail.html", {"message": message})


@resident_required
def preferences(request: HttpRequest) -> HttpResponse:
    pref = ContactPreference.objects.filter(user_id=int(request.user.pk or 0)).first()
    if request.method == "POST":
        form = PreferenceForm(request.POST)
        if form.is_valid():
            try:
                preference_update(
                    actor=request.user,
                    user=request.user,
                    channels=form.channels(),
                    opt_out_greetings=form.cleaned_data["opt_out_greetings"],
                    opt_out_marketing=form.cleaned_data["opt_out_marketing"],
                )
            except DomainError as exc:
                apply_errors(form, exc)
            else:
                messages.success(request, _("Your message settings were saved."))
                return redirect("portal:message-preferences")
    else:
        order = (
            list(pref.channels)
            if pref and pref.channels
            else list(policy_for(None).default_channels)
        )
        order += ["", "", ""]
        form = PreferenceForm(
            initial={
                "first": order[0],
                "second": order[1],
                "third": order[2],
                "opt_out_greetings": bool(pref and pref.opt_out_greetings),
                "opt_out_marketing": bool(pref and pref.opt_out_marketing),
            }
        )
    units = resident_units(request.user).select_related("building", "project")
    return render(request, "messaging/portal/preferences.html", {"form": form, "units": units})
