"""Outreach screens of the console, mounted at ``/console/outreach/`` (namespace
``outreach``): campaigns with a live audience preview, message rules, activities, outage
notices, warranty components and handover dates.

Reads go through :mod:`wuye.outreach.selectors` (scoped to the projects where the user holds
``manage_outreach``; other objects are 404); writes through :mod:`wuye.outreach.services`.
"""

from __future__ import annotations

from typing import Any

from django.contrib import messages
from django.core.exceptions import ValidationError
from django.http import HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.utils.translation import gettext as _
from django.views.decorators.http import require_GET, require_POST

from wuye.accounts.access import Capability, access_project, require
from wuye.console.current import current_project_id
from wuye.console.views.common import apply_errors, forbidden, paginate, staff_view
from wuye.core.errors import DomainError
from wuye.outreach import announcements, selectors, services
from wuye.outreach.audiences import audience_preview
from wuye.outreach.models import (
    RULE_DEFAULTS,
    CampaignState,
    ProjectContact,
    RuleKind,
    UnitHandover,
    WarrantyComponent,
)
from wuye.outreach.web.forms import (
    ActivityForm,
    AudienceFields,
    CampaignForm,
    ComponentForm,
    ContactForm,
    HandoverForm,
    OutageForm,
    RuleForm,
    ScheduleForm,
)
from wuye.places.models import Project

Errors = (ValidationError, DomainError)


def _projects_or_403(request: HttpRequest) -> list[Project] | None:
    """The user's outreach projects, or None (the caller answers 403) when there are none."""
    return selectors.outreach_projects(request.user) or None


# --- campaigns -------------------------------------------------------------------------------


@staff_view
@require_GET
def campaign_list(request: HttpRequest) -> HttpResponse:
    state = request.GET.get("state", "")
    state = state if state in CampaignState.values else ""
    page = paginate(request, selectors.campaign_list(user=request.user, state=state))
    return render(
        request,
        "outreach/campaign_list.html",
        {"page": page, "state": state, "states": CampaignState.choices},
    )


@staff_view
def campaign_create(request: HttpRequest) -> HttpResponse:
    projects = _projects_or_403(request)
    if projects is None:
        return forbidden(request)
    if request.method == "POST":
        form = CampaignForm(request.POST, projects=projects)
        if form.is_valid():
            try:
                campaign = services.campaign_create(
                    actor=request.user,
                    projects=list(form.cleaned_data["projects"]),
                    title=form.cleaned_data["title"],
                    text=form.cleaned_data["text"],
                    category=form.cleaned_data["category"],
                    audience=form.audience(),
                )
            except Errors as exc:
                apply_errors(form, exc)
            else:
                return redirect("outreach:campaign-detail", campaign.pk)
    else:
        pid = current_project_id(request)
        form = CampaignForm(
            projects=projects,
            initial={
                "projects": [pid] if pid else [p.pk for p in projects[:1]],
                "current_only": True,
            },
        )
    return render(request, "outreach/campaign_form.html", {"form": form})


@staff_view
@require_GET
def audience_preview_view(request: HttpRequest) -> HttpResponse:
    """The live count and sample of the campaign form (htmx partial)."""
    projects = selectors.outreach_projects(request.user)
    form = AudienceFields(request.GET, projects=projects)
    # Invalid fields (foreign ids, a bad month) are left out of cleaned_data: the preview
    # shows what the form would accept.
    form.is_valid()
    audience = form.audience()
    preview = audience_preview(request.user, audience) if audience.project_ids else None
    return render(request, "outreach/_audience_preview.html", {"preview": preview})


@staff_view
def campaign_detail(request: HttpRequest, pk: int) -> HttpResponse:
    campaign = selectors.access_campaign(request.user, pk)
    stats = campaign.stats
    if campaign.state in (CampaignState.SENDING, CampaignState.SENT):
        stats = services.campaign_refresh_stats(campaign=campaign)
    return render(
        request,
        "outreach/campaign_detail.html",
        {
            "campaign": campaign,
            "projects": list(campaign.projects.order_by("name")),
            "events": list(campaign.events.select_related("actor").order_by("at", "id")),
            "stats": stats,
            "schedule_form": ScheduleForm(),
            "can_change": campaign.state in (CampaignState.DRAFT, CampaignState.SCHEDULED),
        },
    )


@staff_view
@require_POST
def campaign_action(request: HttpRequest, pk: int, action: str) -> HttpResponse:
    campaign = selectors.access_campaign(request.user, pk)
    try:
        if action == "send":
            services.campaign_send_now(actor=request.user, campaign=campaign)
            messages.success(request, _("The campaign is being sent."))
        elif action == "cancel":
            services.campaign_cancel(actor=request.user, campaign=campaign)
            messages.success(request, _("The campaign was cancelled."))
        elif action == "schedule":
            form = ScheduleForm(request.POST)
            if not form.is_valid():
                raise DomainError(_("Enter the date and time to send at."), field="scheduled_at")
            services.campaign_schedule(
                actor=request.user, campaign=campaign, at=form.cleaned_data["scheduled_at"]
            )
            messages.success(request, _("The campaign is scheduled."))
        else:
            raise DomainError(_("Unknown action."))
    except DomainError as exc:
        messages.error(request, str(exc.message))
    return redirect("outreach:campaign-detail", campaign.pk)


# --- rules -----------------------------------------------------------------------------------


def _rule_form(request: HttpRequest, data: Any = None) -> RuleForm:
    projects = selectors.outreach_projects(request.user)
    full = selectors.full_company_ids(request.user)
    companies = {p.company_id: p.company.name for p in projects if p.company_id in full}
    return RuleForm(data, projects=projects, companies=companies)


@staff_view
def rule_list(request: HttpRequest) -> HttpResponse:
    """The rules in scope; POST creates or changes one (the row toggles post here too)."""
    if request.method == "POST":
        form = _rule_form(request, request.POST)
        if not selectors.outreach_projects(request.user):
            return forbidden(request)
        if form.is_valid():
            company_id, project = form.target()
            assert company_id is not None
            try:
                services.rule_save(
                    actor=request.user,
                    company_id=company_id,
                    project=project,
                    kind=form.cleaned_data["kind"],
                    enabled=form.cleaned_data["enabled"],
                    send_time=form.cleaned_data["send_time"],
                    parameters=form.parameters(),
                )
            except Errors as exc:
                apply_errors(form, exc)
            else:
                messages.success(request, _("The rule was saved."))
                return redirect("outreach:rule-list")
    else:
        form = _rule_form(request)
    rules = list(selectors.rule_list(user=request.user))
    return render(
        request,
        "outreach/rule_list.html",
        {"rules": rules, "form": form, "kinds": RuleKind.choices, "defaults": RULE_DEFAULTS},
    )


# --- activities and outages ------------------------------------------------------------------


@staff_view
def activity_list(request: HttpRequest) -> HttpResponse:
    projects = selectors.outreach_projects(request.user)
    form = ActivityForm(request.POST or None, projects=projects)
    if request.method == "POST":
        if not projects:
            return forbidden(request)
        if form.is_valid():
            try:
                announcements.activity_create(
                    actor=request.user,
                    project=form.cleaned_data["project"],
                    title=form.cleaned_data["title"],
                    starts_at=form.cleaned_data["starts_at"],
                    place=form.cleaned_data["place"],
                    tags=form.tag_list(),
                    description=form.cleaned_data["description"],
                )
            except Errors as exc:
                apply_errors(form, exc)
            else:
                messages.success(request, _("The activity was added."))
                return redirect("outreach:activity-list")
    page = paginate(request, selectors.activity_list(user=request.user))
    return render(request, "outreach/activity_list.html", {"page": page, "form": form})


@staff_view
@require_POST
def activity_publish(request: HttpRequest, pk: int) -> HttpResponse:
    activity = selectors.access_activity(request.user, pk)
    try:
        n = announcements.activity_publish(actor=request.user, activity=activity)
    except DomainError as exc:
        messages.error(request, str(exc.message))
    else:
        messages.success(request, _("%(n)s occupants were invited.") % {"n": n})
    return redirect("outreach:activity-list")


@staff_view
def outage_list(request: HttpRequest) -> HttpResponse:
    projects = selectors.outreach_projects(request.user)
    form = OutageForm(request.POST or None, projects=projects)
    if request.method == "POST":
        if not projects:
            return forbidden(request)
        if form.is_valid():
            try:
                announcements.outage_create(
                    actor=request.user,
                    project=form.cleaned_data["project"],
                    kind=form.cleaned_data["kind"],
                    starts_at=form.cleaned_data["starts_at"],
                    ends_at=form.cleaned_data["ends_at"],
                    reason=form.cleaned_data["reason"],
                    buildings=list(form.cleaned_data["buildings"]),
                )
            except Errors as exc:
                apply_errors(form, exc)
            else:
                messages.success(
                    request, _("The notice was saved. Issue it to notify the occupants.")
                )
                return redirect("outreach:outage-list")
    page = paginate(request, selectors.outage_list(user=request.user))
    return render(request, "outreach/outage_list.html", {"page": page, "form": form})


@staff_view
@require_POST
def outage_issue(request: HttpRequest, pk: int) -> HttpResponse:
    notice = selectors.access_outage(request.user, pk)
    try:
        n = announcements.outage_issue(actor=request.user, notice=notice)
    except DomainError as exc:
        messages.error(request, str(exc.message))
    else:
        messages.success(request, _("%(n)s occupants were notified.") % {"n": n})
    return redirect("outreach:outage-list")


# --- warranty and contacts -------------------------------------------------------------------


@staff_view
def warranty(request: HttpRequest) -> HttpResponse:
    """One project's assistant, default handover date, warranty components and unit
    handover dates. POST ``form=contact|component|handover|defaults`` saves one of them."""
    projects = selectors.outreach_projects(request.user)
    if not projects:
        return forbidden(request)
    raw = request.POST.get("project") or request.GET.get("project") or current_project_id(request)
    project = access_project(request.user, raw) if raw else projects[0]
    require(request.user, project.pk, Capability.MANAGE_OUTREACH)
    contact = ProjectContact.objects.filter(project=project).first()
    contact_form = ContactForm(
        initial={
            "assistant_name": contact.assistant_name if contact else "",
            "assistant_phone": contact.assistant_phone if contact else "",
            "default_handover_date": contact.default_handover_date if contact else None,
        }
    )
    component_form = ComponentForm()
    handover_form = HandoverForm(project=project)
    if request.method == "POST":
        which = request.POST.get("form", "")
        try:
            if which == "defaults":
                services.warranty_install_defaults(project=project)
                return redirect(f"{request.path}?project={project.pk}")
            if which == "contact":
                contact_form = ContactForm(request.POST)
                if contact_form.is_valid():
                    services.project_contact_set(
                        actor=request.user, project=project, **contact_form.cleaned_data
                    )
                    return redirect(f"{request.path}?project={project.pk}")
            elif which == "component":
                component_form = ComponentForm(request.POST)
                if component_form.is_valid():
                    services.warranty_component_save(
                        actor=request.user, project=project, **component_form.cleaned_data
                    )
                    return redirect(f"{request.path}?project={project.pk}")
            elif which == "handover":
                handover_form = HandoverForm(request.POST, project=project)
                if handover_form.is_valid():
                    services.unit_handover_set(
                        actor=request.user,
                        unit=handover_form.cleaned_data["unit"],
                        handover_date=handover_form.cleaned_data["handover_date"],
                    )
                    return redirect(f"{request.path}?project={project.pk}")
        except Errors as exc:
            messages.error(request, "; ".join(str(m) for m in getattr(exc, "messages", [exc])))
    handovers = paginate(
        request,
        UnitHandover.objects.filter(project=project)
        .select_related("unit__building")
        .order_by("handover_date", "unit_id"),
    )
    return render(
        request,
        "outreach/warranty.html",
        {
            "project": project,
            "projects": projects,
            "components": list(WarrantyComponent.objects.filter(project=project)),
            "handovers": handovers,
            "contact_form": contact_form,
            "component_form": component_form,
            "handover_form": handover_form,
        },
    )
