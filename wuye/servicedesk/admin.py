"""Django admin of the service desk.

Tickets are read-only here: writes go through the services (clocks, events). Per-project
policy — categories, SLA policies with their clock rules, desk settings, teams — is edited
here by a superuser; every add, change and delete is audited like the other admins
(``wuye.places.admin.AuditedAdmin``), including the inline clock rules and the team's
members, skills and zone. A policy change applies to clocks started afterwards; running
clocks keep the rule they copied when they started.
"""

from __future__ import annotations

import datetime as dt
from typing import Any

from django import forms
from django.contrib import admin
from django.db import models, transaction
from django.http import HttpRequest
from django.utils.translation import gettext_lazy as _

from wuye.accounts.models import Membership
from wuye.audit.services import audit_record, diff, snapshot
from wuye.places.admin import AuditedAdmin
from wuye.servicedesk.models import (
    Category,
    DeskSettings,
    PauseReasonChoices,
    SlaClockRule,
    SlaPolicy,
    Team,
    Ticket,
    TicketClock,
    TicketEvent,
    TicketPause,
)


class ReadOnlyAdmin(admin.ModelAdmin):
    def has_add_permission(self, request: HttpRequest, obj: Any = None) -> bool:
        return False

    def has_change_permission(self, request: HttpRequest, obj: Any = None) -> bool:
        return False

    def has_delete_permission(self, request: HttpRequest, obj: Any = None) -> bool:
        return False


@admin.register(Category)
class CategoryAdmin(AuditedAdmin):
    list_display = ["name", "code", "project"]
    list_filter = ["project"]
    search_fields = ["name", "code"]
    list_select_related = ["project"]


class EventInline(admin.TabularInline):
    model = TicketEvent
    extra = 0
    can_delete = False
    fields = readonly_fields = ("at", "code", "from_state", "to_state", "actor", "note")


class ClockInline(admin.TabularInline):
    model = TicketClock
    extra = 0
    can_delete = False
    fields = readonly_fields = (
        "kind",
        "basis",
        "started_at",
        "stopped_at",
        "due_at",
        "state",
        "voided",
    )


class PauseInline(admin.TabularInline):
    model = TicketPause
    extra = 0
    can_delete = False
    fields = readonly_fields = ("reason", "started_at", "ended_at")


@admin.register(Ticket)
class TicketAdmin(ReadOnlyAdmin):
    list_display = ["number", "project", "kind", "urgency", "state", "assignee", "created_at"]
    list_filter = ["state", "kind", "urgency", "project"]
    search_fields = ["number", "reporter_phone_tail"]
    list_select_related = ["project", "assignee"]
    # The reporter's phone is shown masked only (the full number is on the occupant record).
    exclude = ["reporter_phone"]
    readonly_fields = ["masked_phone"]
    inlines = [ClockInline, PauseInline, EventInline]

    @admin.display(description=_("reporter phone"))
    def masked_phone(self, obj: Ticket) -> str:
        return obj.masked_reporter_phone


# --- per-project policy ----------------------------------------------------------------------


def _jsonable(value: Any) -> Any:
    """Audit values as JSON: durations (not handled by ``wuye.audit.services``) as text."""
    if isinstance(value, dt.timedelta):
        return str(value)
    if isinstance(value, dict):
        return {k: _jsonable(v) for k, v in value.items()}
    if isinstance(value, list | tuple):
        return [_jsonable(v) for v in value]
    return value


def _audit_changes(
    request: HttpRequest, instance: models.Model, action: str, changes: dict[str, Any]
) -> None:
    if changes:
        audit_record(
            actor=request.user,
            action=f"{instance._meta.label_lower}.{action}",
            instance=instance,
            changes=_jsonable(changes),
            note="admin",
        )


class DeskAuditedAdmin(AuditedAdmin):
    """``AuditedAdmin`` for models with duration fields (SLA policies' rules, desk settings):
    the same events, with durations written as text."""

    def save_model(self, request: HttpRequest, obj: Any, form: Any, change: bool) -> None:
        with transaction.atomic():
            before = snapshot(type(obj)._default_manager.get(pk=obj.pk)) if change else {}
            admin.ModelAdmin.save_model(self, request, obj, form, change)
            changes = diff(before, snapshot(obj))
            if not change:
                changes = {k: v for k, v in changes.items() if v[1] not in (None, "", [])}
            _audit_changes(request, obj, "updated" if change else "created", changes)

    def _audit_deleted(self, request: HttpRequest, obj: Any) -> None:
        changes = {k: [v[1], None] for k, v in diff({}, snapshot(obj)).items()}
        _audit_changes(request, obj, "deleted", changes)


class _ProjectCategoryField(forms.ModelChoiceField):
    """Categories of every project are listed: show which project each belongs to."""

    def label_from_instance(self, obj: Any) -> str:
        return f"{obj.project} · {obj.name}"


class SlaPolicyForm(forms.ModelForm):
    category = _ProjectCategoryField(
        queryset=Category.objects.select_related("project"),
        required=False,
        label=_("category"),
        help_text=_("Empty: every category."),
    )

    class Meta:
        model = SlaPolicy
        fields = ["project", "name", "kind", "category", "urgency", "active"]

    def clean(self) -> dict[str, Any]:
        data = super().clean() or {}
        project, category = data.get("project"), data.get("category")
        if project is not None and category is not None and category.project_id != project.pk:
            self.add_error("category", _("This category belongs to another project."))
        if project is not None and data.get("kind"):
            twin = (
                SlaPolicy.objects.filter(
                    project=project,
                    kind=data["kind"],
                    category=category,
                    urgency=data.get("urgency") or "",
                )
                .exclude(pk=self.instance.pk)
                .first()
            )
            if twin is not None:
                raise forms.ValidationError(
                    _(
                        "The policy “%(name)s” already covers this kind, category and urgency "
                        "in this project. Edit that policy instead of adding another."
                    )
                    % {"name": twin.name},
                    code="duplicate_policy",
                )
        return data


class SlaClockRuleForm(forms.ModelForm):
    pauses_on = forms.MultipleChoiceField(
        label=_("paused by"),
        choices=PauseReasonChoices.choices,
        widget=forms.CheckboxSelectMultiple,
        required=False,
        help_text=_("The pause reasons that stop this clock; other pauses leave it running."),
    )

    class Meta:
        model = SlaClockRule
        fields = ["kind", "basis", "duration", "same_day", "cutoff", "pauses_on", "warn_before"]

    def clean(self) -> dict[str, Any]:
        data = super().clean() or {}
        duration: dt.timedelta | None = data.get("duration")
        same_day = bool(data.get("same_day"))
        if same_day and duration is not None:
            self.add_error("duration", _("A same-day clock has no duration: clear one of the two."))
        elif not same_day and duration is None:
            self.add_error("duration", _("Give a duration, or tick “same day”."))
        elif duration is not None and duration <= dt.timedelta(0):
            self.add_error("duration", _("The duration must be positive."))
        if data.get("cutoff") is not None and not same_day:
            self.add_error("cutoff", _("An evening cut-off applies to same-day clocks only."))
        warn_before = data.get("warn_before")
        if warn_before is not None and warn_before < dt.timedelta(0):
            self.add_error("warn_before", _("The warning time cannot be negative."))
        return data


class SlaClockRuleInline(admin.TabularInline):
    model = SlaClockRule
    form = SlaClockRuleForm
    extra = 0


_RULE_FIELDS = ["kind", "basis", "duration", "same_day", "cutoff", "pauses_on", "warn_before"]


def _rules_state(policy: SlaPolicy) -> dict[str, dict[str, Any]]:
    """The policy's clock rules as ``{clock kind: {field: plain value}}`` for the audit."""
    return {
        rule.kind: {k: v[1] for k, v in diff({}, snapshot(rule, _RULE_FIELDS)).items()}
        for rule in SlaClockRule.objects.filter(policy=policy)
    }


@admin.register(SlaPolicy)
class SlaPolicyAdmin(DeskAuditedAdmin):
    form = SlaPolicyForm
    inlines = [SlaClockRuleInline]
    list_display = ["name", "project", "kind", "category", "urgency", "active"]
    list_filter = ["project", "kind", "urgency", "active"]
    search_fields = ["name"]
    list_select_related = ["project", "category"]
    fieldsets = [
        (
            None,
            {
                "fields": ["project", "name", "kind", "category", "urgency", "active"],
                "description": _(
                    "The most specific active policy of a project is chosen for a ticket: the "
                    "kind must match; a policy with a category beats one without, then one with "
                    "an urgency beats one without. Changes apply to clocks started afterwards; "
                    "running clocks keep the rule they started with."
                ),
            },
        )
    ]

    def save_related(self, request: HttpRequest, form: Any, formsets: Any, change: bool) -> None:
        policy = form.instance
        with transaction.atomic():
            before = _rules_state(policy) if change else {}
            super().save_related(request, form, formsets, change)
            after = _rules_state(policy)
            changes = {
                f"rule:{kind}": [before.get(kind), after.get(kind)]
                for kind in sorted(set(before) | set(after))
                if before.get(kind) != after.get(kind)
            }
            _audit_changes(request, policy, "updated", changes)


@admin.register(DeskSettings)
class DeskSettingsAdmin(DeskAuditedAdmin):
    list_display = [
        "project",
        "reopen_within_days",
        "rework_window_days",
        "second_level_after",
        "fee_tolerance",
    ]
    list_select_related = ["project"]
    search_fields = ["project__name"]

    def get_readonly_fields(
        self, request: HttpRequest, obj: DeskSettings | None = None
    ) -> tuple[str, ...]:
        return ("project",) if obj else ()


class TeamForm(forms.ModelForm):
    class Meta:
        model = Team
        fields = ["project", "name", "leader", "members", "categories", "buildings", "active"]

    def clean(self) -> dict[str, Any]:
        data = super().clean() or {}
        project = data.get("project")
        if project is None:
            return data
        for name in ("categories", "buildings"):
            if any(obj.project_id != project.pk for obj in data.get(name) or ()):
                self.add_error(name, _("Choose only items of the team's project."))
        staff = set(
            Membership.objects.filter(project=project, is_active=True).values_list(
                "user_id", flat=True
            )
        )
        leader = data.get("leader")
        if leader is not None and leader.pk not in staff:
            self.add_error("leader", _("The leader must be a staff member of the team's project."))
        if any(user.pk not in staff for user in data.get("members") or ()):
            self.add_error("members", _("Members must be staff members of the team's project."))
        return data


_TEAM_M2M = ("members", "categories", "buildings")


def _team_m2m(team: Team) -> dict[str, list[int]]:
    return {name: sorted(getattr(team, name).values_list("pk", flat=True)) for name in _TEAM_M2M}


@admin.register(Team)
class TeamAdmin(AuditedAdmin):
    form = TeamForm
    list_display = ["name", "project", "leader", "active"]
    list_filter = ["project", "active"]
    search_fields = ["name"]
    list_select_related = ["project", "leader"]
    filter_horizontal = ["members", "categories", "buildings"]

    def save_related(self, request: HttpRequest, form: Any, formsets: Any, change: bool) -> None:
        team = form.instance
        with transaction.atomic():
            before = _team_m2m(team) if change else dict.fromkeys(_TEAM_M2M, [])
            super().save_related(request, form, formsets, change)
            after = _team_m2m(team)
            changes = {k: [before[k], after[k]] for k in _TEAM_M2M if before[k] != after[k]}
            _audit_changes(request, team, "updated", changes)


from wuye.servicedesk import admin_fees  # noqa: E402, F401  (price list admin)
