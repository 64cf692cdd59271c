"""Writes for staff memberships. Each checks the actor's right, runs in one transaction and
leaves an audit record."""

from __future__ import annotations

import datetime as dt
from typing import Any

from django.db import transaction
from django.db.models import Q
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from wuye.accounts.access import Capability, require, scope_for
from wuye.accounts.models import PROJECT_ROLES, Department, Membership, Role, User
from wuye.audit.services import audit_created, audit_record
from wuye.core.errors import DomainError, PermissionDenied
from wuye.core.phones import normalize_phone
from wuye.places.models import Project

# Roles a membership form may grant: project roles, and the company admin (only by a company admin).
GRANTABLE_ROLES = (*PROJECT_ROLES, Role.COMPANY_ADMIN)


def user_find(*, login: str) -> User | None:
    """The active user whose username or mobile number is ``login``."""
    login = (login or "").strip()
    if not login:
        return None
    return (
        User.objects.filter(is_active=True)
        .filter(Q(username=login) | Q(mobile=normalize_phone(login)))
        .first()
    )


def _check_can_grant(actor: Any, *, role: str, project: Project) -> None:
    require(actor, project.pk, Capability.MANAGE_STAFF)
    if role == Role.COMPANY_ADMIN and project.company_id not in scope_for(actor).admin_company_ids:
        raise PermissionDenied(_("Only a company admin can appoint another company admin."))


@transaction.atomic
def membership_create(
    *,
    actor: Any,
    user: User,
    role: str,
    project: Project,
    department: Department | None = None,
    now: dt.datetime | None = None,
) -> Membership:
    """Give ``user`` the ``role`` in ``project`` (for the company admin role: in the project's
    company). An inactive membership with the same scope is reactivated instead of duplicated.

    Raises ``PermissionDenied`` when the actor may not grant it, ``DomainError`` when the
    user already holds it.
    """
    if role not in GRANTABLE_ROLES:
        raise DomainError(
            _("This role cannot be granted here."), field="role", code="role_not_grantable"
        )
    _check_can_grant(actor, role=role, project=project)
    if department is not None and department.company_id != project.company_id:
        raise DomainError(_("The department belongs to another company."), field="department")
    if role == Role.COMPANY_ADMIN:
        scope_fields: dict[str, Any] = {"company_id": project.company_id, "project": None}
        existing = Membership.objects.filter(user=user, role=role, company_id=project.company_id)
    else:
        scope_fields = {"company_id": project.company_id, "project": project}
        existing = Membership.objects.filter(user=user, role=role, project=project)
    current = existing.select_for_update().first()
    if current is not None and current.is_active:
        raise DomainError(
            _("This user already holds this role here."), field="user", code="membership_exists"
        )
    if current is not None:
        current.is_active = True
        current.department = department
        current.save(update_fields=["is_active", "department", "updated_at"])
        audit_record(
            actor=actor,
            action="accounts.membership.reactivated",
            instance=current,
            project=project if role != Role.COMPANY_ADMIN else None,
            changes={"is_active": [False, True]},
            now=now,
        )
        return current
    membership = Membership(user=user, role=role, department=department, **scope_fields)
    membership.full_clean(validate_constraints=True)
    membership.save()
    audit_created(actor=actor, action="accounts.membership.created", instance=membership, now=now)
    return membership


@transaction.atomic
def membership_deactivate(
    *, actor: Any, membership: Membership, now: dt.datetime | None = None
) -> Membership:
    """End a membership. The actor needs ``MANAGE_STAFF`` in its project (company admin roles:
    must administer that company) and cannot end their own."""
    if membership.role == Role.COMPANY_ADMIN:
        if membership.company_id not in scope_for(actor).admin_company_ids:
            raise PermissionDenied(_("Only a company admin can remove a company admin."))
    elif membership.project_id is not None:
        require(actor, membership.project_id, Capability.MANAGE_STAFF)
    else:
        raise PermissionDenied(_("This membership is managed by the system administrator."))
    if membership.user_id == getattr(actor, "pk", None):
        raise DomainError(_("You cannot deactivate your own membership."), code="own_membership")
    updated = Membership.objects.filter(pk=membership.pk, is_active=True).update(
        is_active=False, updated_at=now or timezone.now()
    )
    if not updated:
        raise DomainError(_("This membership is already inactive."), code="membership_inactive")
    membership.is_active = False
    audit_record(
        actor=actor,
        action="accounts.membership.deactivated",
        instance=membership,
        changes={"is_active": [True, False]},
        now=now,
    )
    return membership
