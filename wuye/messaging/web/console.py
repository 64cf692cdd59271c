"""Console screens of messaging: the outbox (failed messages with their reason, retry and
cancel), the staff inbox behind the notification bell, and the message templates."""

from __future__ import annotations

from django.contrib import messages
from django.http import Http404, HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.urls import reverse
from django.utils.translation import gettext as _
from django.views.decorators.http import require_POST

from wuye.accounts.access import scope_for
from wuye.console.current import request_projects
from wuye.console.views.common import apply_errors, forbidden, list_project_id, paginate, staff_view
from wuye.core.errors import DomainError
from wuye.messaging import selectors
from wuye.messaging.events import all_events, event_type, known_event
from wuye.messaging.models import MessageCategory, MessageStatus, MessageTemplate
from wuye.messaging.people import (
    inbox_mark_all_read,
    inbox_mark_read,
    template_delete,
    template_save,
)
from wuye.messaging.services import message_cancel, message_retry
from wuye.messaging.templating import preview, template_for
from wuye.messaging.web.forms import OutboxFilterForm, TemplateForm
from wuye.places.models import Company


@staff_view
def outbox(request: HttpRequest) -> HttpResponse:
    if not selectors.outbox_projects(request.user) and not scope_for(request.user).is_superuser:
        return forbidden(request)
    data = request.GET.copy()
    if "status" not in data and not request.GET:
        data["status"] = MessageStatus.FAILED  # what staff come here for
    form = OutboxFilterForm(
        data, projects=request_projects(request), project_id=list_project_id(request)
    )
    qs = selectors.outbox_list(
        user=request.user,
        status=form.value("status") or None,
        channel=form.value("channel") or None,
        project_id=form.id_value("project"),
        q=form.value("q"),
    )
    return render(
        request, "messaging/console/outbox.html", {"form": form, "page": paginate(request, qs)}
    )


@staff_view
def message_detail(request: HttpRequest, pk: int) -> HttpResponse:
    message = selectors.access_message(request.user, pk)
    return render(
        request,
        "messaging/console/message_detail.html",
        {
            "message": message,
            "events": message.events.select_related("actor"),
            "siblings": (
                message.notification.messages.order_by("pk") if message.notification else []
            ),
        },
    )


@require_POST
@staff_view
def message_retry_view(request: HttpRequest, pk: int) -> HttpResponse:
    message = selectors.access_message(request.user, pk)
    try:
        message_retry(actor=request.user, message=message)
    except DomainError as exc:
        messages.error(request, str(exc.message))
    else:
        messages.success(request, _("The message is queued again."))
    return redirect("messaging:message-detail", pk=message.pk)


@require_POST
@staff_view
def message_cancel_view(request: HttpRequest, pk: int) -> HttpResponse:
    message = selectors.access_message(request.user, pk)
    try:
        message_cancel(actor=request.user, message=message, note=request.POST.get("note", ""))
    except DomainError as exc:
        messages.error(request, str(exc.message))
    else:
        messages.success(request, _("The message was cancelled."))
    return redirect("messaging:message-detail", pk=message.pk)


# --- staff inbox ----------------------------------------------------------------------------


@staff_view
def inbox(request: HttpRequest) -> HttpResponse:
    qs = selectors.inbox_list(user=request.user)
    return render(request, "messaging/console/inbox.html", {"page": paginate(request, qs)})


@staff_view
def inbox_detail(request: HttpRequest, pk: int) -> HttpResponse:
    message = selectors.access_inbox_message(request.user, pk)
    inbox_mark_read(user=request.user, message=message)
    return render(request, "messaging/console/inbox_detail.html", {"message": message})


@staff_view
def bell(request: HttpRequest) -> HttpResponse:
    """htmx fragment: the number of unread notifications on the console's bell."""
    n = selectors.inbox_unread_count(request.user)
    return HttpResponse(f'<span class="bell-count" id="bell-count">{n}</span>' if n else "")


@require_POST
@staff_view
def inbox_read_all(request: HttpRequest) -> HttpResponse:
    inbox_mark_all_read(user=request.user)
    qs = selectors.inbox_list(user=request.user)
    return render(request, "messaging/console/inbox.html", {"page": paginate(request, qs)})


# --- templates ------------------------------------------------------------------------------


def _template_company(request: HttpRequest) -> Company | None:
    """The company whose templates are edited: chosen by ``company`` among those the user
    administers; 404 for any other."""
    companies = selectors.template_companies(request.user)
    raw = request.GET.get("company") or request.POST.get("company") or ""
    if raw:
        if not raw.isdigit() or int(raw) not in companies:
            raise Http404
        return Company.objects.get(pk=int(raw))
    if companies:
        return Company.objects.get(pk=companies[0])
    return None


@staff_view
def template_list(request: HttpRequest) -> HttpResponse:
    company = _template_company(request)
    if company is None and not scope_for(request.user).is_superuser:
        return forbidden(request, _("Only company administrators edit message templates."))
    overrides = {
        (t.event, t.channel, t.language): t for t in MessageTemplate.objects.filter(company=company)
    }
    rows = []
    for event in all_events():
        own = [t for (code, _c, _l), t in overrides.items() if code == event.code]
        rows.append(
            {
                "event": event,
                "category": MessageCategory(event.category).label,
                "overrides": sorted(own, key=lambda t: (t.channel, t.language)),
            }
        )
    return render(
        request,
        "messaging/console/templates.html",
        {
            "company": company,
            "companies": Company.objects.filter(pk__in=selectors.template_companies(request.user)),
            "rows": rows,
        },
    )


@staff_view
def template_edit(request: HttpRequest) -> HttpResponse:
    company = _template_company(request)
    if company is None and not scope_for(request.user).is_superuser:
        return forbidden(request, _("Only company administrators edit message templates."))
    source = request.POST if request.method == "POST" else request.GET
    event_code = source.get("event", "")
    if not known_event(event_code):
        raise Http404
    channel = source.get("channel", "")
    language = source.get("language", "zh-hans")
    if request.method == "POST":
        form = TemplateForm(request.POST)
        if form.is_valid():
            try:
                template_save(
                    actor=request.user,
                    company=company,
                    event=form.cleaned_data["event"],
                    channel=form.cleaned_data["channel"],
                    language=form.cleaned_data["language"],
                    subject=form.cleaned_data["subject"],
                    body=form.cleaned_data["body"],
                    html=form.cleaned_data["html"],
                )
            except DomainError as exc:
                apply_errors(form, exc)
            else:
                messages.success(request, _("The template was saved."))
                url = reverse("messaging:templates")
                return redirect(f"{url}?company={company.pk}" if company else url)
    else:
        current = template_for(
            company_id=company.pk if company else None,
            event=event_code,
            channel=channel,
            language=language,
        )
        form = TemplateForm(
            initial={
                "event": event_code,
                "channel": channel,
                "language": language,
                "subject": current.subject,
                "body": current.body,
                "html": current.html,
            }
        )
    et = event_type(event_code)
    return render(
        request,
        "messaging/console/template_form.html",
        {"form": form, "company": company, "event": et, "variables": et.all_variables},
    )


@require_POST
@staff_view
def template_preview(request: HttpRequest) -> HttpResponse:
    """htmx: the template in the form rendered with the event's sample values."""
    company = _template_company(request)
    event_code = request.POST.get("event", "")
    if not known_event(event_code):
        raise Http404
    error = ""
    rendered = None
    try:
        rendered = preview(
            event=event_code,
            channel=request.POST.get("channel", ""),
            language=request.POST.get("language", "zh-hans"),
            company_id=company.pk if company else None,
            subject=request.POST.get("subject", ""),
            body=request.POST.get("body", ""),
            html=request.POST.get("html", ""),
        )
    except Exception as exc:  # noqa: BLE001 — a broken template is shown, not raised
        error = str(exc)
    return render(
        request, "messaging/console/_preview.html", {"rendered": rendered, "error": error}
    )


@require_POST
@staff_view
def template_delete_view(request: HttpRequest, pk: int) -> HttpResponse:
    template = selectors.access_template(request.user, pk)
    company_id = template.company_id
    template_delete(actor=request.user, template=template)
    messages.success(request, _("The company's version was removed; the default applies."))
    url = reverse("messaging:templates")
    return redirect(f"{url}?company={company_id}" if company_id else url)
