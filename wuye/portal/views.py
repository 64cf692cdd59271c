"""The resident portal: sign in (password or one-time code), home, my units, profile.

Every page except sign-in requires a signed-in *resident* (a user linked to an occupant
with a current occupancy); anybody else gets a 403 page that says where to go instead.
"""

from __future__ import annotations

from collections.abc import Callable
from functools import wraps
from typing import Any

from django.contrib import messages
from django.contrib.auth import authenticate, update_session_auth_hash
from django.contrib.auth import login as auth_login
from django.contrib.auth import logout as auth_logout
from django.contrib.auth.forms import PasswordChangeForm, SetPasswordForm
from django.contrib.auth.views import redirect_to_login
from django.http import HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.urls import reverse
from django.utils.http import url_has_allowed_host_and_scheme
from django.utils.translation import gettext as _
from django.views.decorators.cache import never_cache
from django.views.decorators.csrf import csrf_protect
from django.views.decorators.debug import sensitive_post_parameters
from django.views.decorators.http import require_http_methods, require_POST
from django_htmx.http import HttpResponseClientRedirect

from wuye.accounts.access import is_resident, scope_for
from wuye.accounts.otp import login_code_request, login_code_verify
from wuye.core.errors import DomainError
from wuye.core.http import AuthenticatedHttpRequest, HtmxHttpRequest
from wuye.messaging.selectors import inbox_unread_count
from wuye.portal import selectors, services
from wuye.portal.forms import CodeLoginForm, CodeRequestForm, PasswordLoginForm, ProfileForm

# Users who signed in with a one-time code are attached to this backend (it is the only one).
AUTH_BACKEND = "wuye.accounts.backends.UsernameOrMobileBackend"

View = Callable[..., HttpResponse]


def resident_required(view: View) -> View:
    """Sign-in redirect for anonymous users, a helpful 403 page for non-residents."""

    @wraps(view)
    def wrapper(request: HttpRequest, *args: Any, **kwargs: Any) -> HttpResponse:
        if not request.user.is_authenticated:
            return redirect_to_login(request.get_full_path(), reverse("portal:login"))
        if not is_resident(request.user):
            return _not_resident(request)
        return view(request, *args, **kwargs)

    return wrapper


def _not_resident(request: HttpRequest) -> HttpResponse:
    user = request.user
    is_staff = bool(user.is_staff or scope_for(user).is_staff_member)
    return render(request, "portal/not_resident.html", {"is_staff": is_staff}, status=403)


def _safe_next(request: HttpRequest) -> str:
    target = request.POST.get("next") or request.GET.get("next") or ""
    if target and url_has_allowed_host_and_scheme(
        target, allowed_hosts={request.get_host()}, require_https=request.is_secure()
    ):
        return target
    return ""


def _signed_in(request: HtmxHttpRequest, user: Any) -> HttpResponse:
    auth_login(request, user, backend=AUTH_BACKEND)
    target = _safe_next(request) or reverse("portal:home")
    if request.htmx:
        return HttpResponseClientRedirect(target)  # a full page load, not a swap
    return redirect(target)


# --- sign in and out ------------------------------------------------------------------------


@sensitive_post_parameters("password", "code")
@csrf_protect
@never_cache
@require_http_methods(["GET", "POST"])
def login(request: HtmxHttpRequest) -> HttpResponse:
    """Two tabs: mobile + password, or mobile → one-time code → code.

    POST ``action`` is ``password``, ``send_code`` or ``verify_code``. htmx requests for the
    code steps get only the code panel back.
    """
    if request.method == "GET" and request.user.is_authenticated and is_resident(request.user):
        return redirect(_safe_next(request) or reverse("portal:home"))
    action = request.POST.get("action", "") if request.method == "POST" else ""
    tab = "code" if action in ("send_code", "verify_code") else request.GET.get("tab", "password")
    tab = tab if tab in ("password", "code") else "password"
    password_form = PasswordLoginForm(request.POST if action == "password" else None)
    code_form: CodeRequestForm = CodeRequestForm(request.POST if action == "send_code" else None)
    code_sent = just_sent = False
    code_error = ""

    if action == "password" and password_form.is_valid():
        user = authenticate(
            request,
            username=password_form.cleaned_data["mobile"],
            password=password_form.cleaned_data["password"],
        )
        if user is not None:
            return _signed_in(request, user)
        password_form.add_error(None, _("The mobile number or the password is wrong."))
    elif action == "send_code" and code_form.is_valid():
        mobile = code_form.cleaned_data["mobile"]
        try:
            login_code_request(mobile=mobile)
        except DomainError as exc:
            if exc.code != "rate_limited":
                code_form.add_error("mobile", str(exc.message))
            else:
                # A code went out recently: let them type it in, and say why none was sent.
                code_sent, code_error = True, str(exc.message)
                code_form = CodeLoginForm(initial={"mobile": mobile})
        else:
            code_sent, just_sent = True, True
            code_form = CodeLoginForm(initial={"mobile": mobile})
    elif action == "verify_code":
        code_form = CodeLoginForm(request.POST)
        code_sent = True
        if code_form.is_valid():
            user = login_code_verify(
                mobile=code_form.cleaned_data["mobile"], code=code_form.cleaned_data["code"]
            )
            if user is not None:
                return _signed_in(request, user)
            code_form.add_error("code", _("The code is wrong or has expired. Ask for a new one."))

    context = {
        "tab": tab,
        "password_form": password_form,
        "code_form": code_form,
        "code_sent": code_sent,
        "just_sent": just_sent,
        "code_error": code_error,
        "next": _safe_next(request),
    }
    if request.htmx and action in ("send_code", "verify_code"):
        return render(request, "portal/_code_panel.html", context)
    return render(request, "portal/login.html", context)


@require_POST
def logout(request: HttpRequest) -> HttpResponse:
    auth_logout(request)
    return redirect("portal:login")


# --- resident pages -------------------------------------------------------------------------


@resident_required
def home(request: HttpRequest) -> HttpResponse:
    projects = selectors.resident_projects(user=request.user)
    open_tickets = selectors.resident_open_ticket_count(user=request.user)
    return render(
        request,
        "portal/home.html",
        {
            "projects": projects,
            "open_tickets": open_tickets,
            "unread_messages": inbox_unread_count(request.user),
        },
    )


@resident_required
def units(request: HttpRequest) -> HttpResponse:
    entries = selectors.resident_unit_list(user=request.user)
    return render(request, "portal/units.html", {"entries": entries})


@resident_required
def unit_detail(request: HttpRequest, pk: int) -> HttpResponse:
    entry = selectors.resident_unit_detail(user=request.user, unit_id=pk)
    return render(request, "portal/unit_detail.html", {"entry": entry})


@sensitive_post_parameters("old_password", "new_password1", "new_password2")
@resident_required
@require_http_methods(["GET", "POST"])
def profile(request: AuthenticatedHttpRequest) -> HttpResponse:
    """Shows name and masked mobile; POST ``action`` ``profile`` or ``password``.

    A resident whose login was made by the service desk has no password yet (they sign in
    with a one-time code): they set one without being asked for an old one.
    """
    user = request.user
    has_password = user.has_usable_password()
    action = request.POST.get("action", "") if request.method == "POST" else ""
    profile_form = ProfileForm(
        request.POST if action == "profile" else None,
        initial={"display_name": user.display_name, "email": user.email},
    )
    password_form_class = PasswordChangeForm if has_password else SetPasswordForm
    password_form = password_form_class(user, request.POST if action == "password" else None)
    if action == "profile" and profile_form.is_valid():
        services.profile_update(
            actor=user,
            user=user,
            display_name=profile_form.cleaned_data["display_name"],
            email=profile_form.cleaned_data["email"],
        )
        messages.success(request, _("Your profile was saved."))
        return redirect("portal:profile")
    if action == "password" and password_form.is_valid():
        services.password_change(
            actor=user, user=user, new_password=password_form.cleaned_data["new_password1"]
        )
        update_session_auth_hash(request, user)
        if has_password:
            messages.success(request, _("Your password was changed."))
        else:
            messages.success(request, _("Your password was set. You can now sign in with it."))
        return redirect("portal:profile")
    return render(
        request,
        "portal/profile.html",
        {
            "profile_form": profile_form,
            "password_form": password_form,
            "has_password": has_password,
        },
    )
