"""Scoped reads that only the console needs: dashboard counts, audit history, staff lists."""

from __future__ import annotations

from collections.abc import Iterable
from typing import Any

from django.db.models import Count, IntegerField, OuterRef, Q, QuerySet, Subquery, Value
from django.db.models.functions import Coalesce
from django.http import Http404

from wuye.accounts.access import Capability, scope_for, visible_projects
from wuye.accounts.models import Membership, Role
from wuye.audit.models import AuditEvent
from wuye.core.phones import normalize_phone
from wuye.places.models import Building, Occupancy, Occupant, Project, Unit


def _count(qs: QuerySet[Any], project_field: str) -> Coalesce:
    """A correlated ``COUNT(*)`` per project, so the dashboard stays one query."""
    sub = (
        qs.filter(**{project_field: OuterRef("pk")})
        .order_by()
        .values(project_field)
        .annotate(n=Count("pk"))
        .values("n")
    )
    return Coalesce(Subquery(sub, output_field=IntegerField()), Value(0))


def dashboard_projects(*, user: Any) -> QuerySet[Project]:
    """Visible projects annotated with ``n_buildings``, ``n_units``, ``n_occupants`` and
    ``n_occupancies`` (current ones): one query however many projects there are."""
    return (
        visible_projects(user)
        .select_related("company")
        .annotate(
            n_buildings=_count(Building.objects.all(), "project"),
            n_units=_count(Unit.objects.all(), "project"),
            n_occupants=_count(Occupant.objects.all(), "project"),
            n_occupancies=_count(Occupancy.objects.filter(end_date__isnull=True), "unit__project"),
        )
        .order_by("company__name", "name")
    )


# --- audit history ---------------------------------------------------------------------------


def audit_history(
    *, object_type: str, object_ids: Iterable[Any], limit: int = 50
) -> list[AuditEvent]:
    """Audit events of the given records, newest first.

    The caller has already fetched the records through ``access_*``; this does not check scope.
    """
    ids = [str(i) for i in object_ids]
    if not ids:
        return []
    qs = AuditEvent.objects.filter(object_type=object_type, object_id__in=ids).select_related(
        "actor"
    )
    return list(qs.order_by("-at", "-id")[:limit])


def audit_history_multi(*, records: dict[str, Iterable[Any]], limit: int = 50) -> list[AuditEvent]:
    """Like ``audit_history`` for several object types at once (e.g. a unit and its occupancies)."""
    cond = Q(pk__in=[])
    for object_type, ids in records.items():
        id_list = [str(i) for i in ids]
        if id_list:
            cond |= Q(object_type=object_type, object_id__in=id_list)
    qs = AuditEvent.objects.filter(cond).select_related("actor")
    return list(qs.order_by("-at", "-id")[:limit])


# --- staff -----------------------------------------------------------------------------------


def staff_project_ids(user: Any) -> set[int]:
    """Projects where the user may manage staff."""
    scope = scope_for(user)
    return {pid for pid in scope.project_ids if scope.can(pid, Capability.MANAGE_STAFF)}


def _manageable_memberships(user: Any) -> QuerySet[Membership]:
    scope = scope_for(user)
    if scope.is_superuser:
        return Membership.objects.all()
    return Membership.objects.filter(
        Q(project_id__in=staff_project_ids(user))
        | Q(role=Role.COMPANY_ADMIN, company_id__in=scope.admin_company_ids)
    )


def membership_list(
    *, user: Any, project_id: int | None = None, role: str = "", q: str = "", status: str = "active"
) -> QuerySet[Membership]:
    """Memberships the user may manage: project roles in projects where they hold
    ``MANAGE_STAFF`` and company-admin roles of the companies they administer."""
    qs = _manageable_memberships(user)
    if project_id:
        company_of_project = Project.objects.filter(pk=project_id).values("company_id")
        qs = qs.filter(
            Q(project_id=project_id) | Q(role=Role.COMPANY_ADMIN, company_id__in=company_of_project)
        )
    if role:
        qs = qs.filter(role=role)
    if status == "active":
        qs = qs.filter(is_active=True)
    elif status == "inactive":
        qs = qs.filter(is_active=False)
    q = q.strip()
    if q:
        cond = Q(user__username__icontains=q) | Q(user__display_name__icontains=q)
        phone = normalize_phone(q)
        if phone.isdigit() and len(phone) >= 7:
            cond |= Q(user__mobile=phone)
        qs = qs.filter(cond)
    return qs.select_related("user", "project", "company", "department").order_by(
        "-is_active", "project__name", "role", "user__username", "id"
    )


def access_membership(user: Any, membership_id: Any) -> Membership:
    """A membership the user can see: 404 when it is outside their projects or companies.

    Seeing is not managing: a project member without ``MANAGE_STAFF`` gets the membership
    here and is refused later by ``require``.
    """
    scope = scope_for(user)
    qs = Membership.objects.select_related("user", "project", "company")
    if not scope.is_superuser:
        qs = qs.filter(
            Q(project_id__in=scope.project_ids)
            | Q(role=Role.COMPANY_ADMIN, company_id__in=scope.admin_company_ids)
        )
    try:
        return qs.get(pk=membership_id)
    except (Membership.DoesNotExist, ValueError, TypeError):
        raise Http404 from None


def manageable_projects(user: Any, capability: Capability) -> QuerySet[Project]:
    """Visible projects where the user holds ``capability`` (for the project field of forms)."""
    scope = scope_for(user)
    ids = [pid for pid in scope.project_ids if scope.can(pid, capability)]
    qs = visible_projects(user).select_related("company").order_by("company__name", "name")
    return qs if scope.is_superuser else qs.filter(id__in=ids)
