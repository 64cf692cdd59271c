"""Scoped reads for dataio: which projects a user may import into or export, and jobs."""

from __future__ import annotations

from typing import Any

from django.db.models import QuerySet
from django.http import Http404

from wuye.accounts.access import Capability, scope_for, visible_projects
from wuye.dataio.models import ImportJob
from wuye.places.models import Building, Project


def import_export_project_ids(*, user: Any) -> list[int]:
    """Ids of the projects where the user holds ``Capability.IMPORT_EXPORT``."""
    scope = scope_for(user)
    return sorted(pid for pid in scope.project_ids if scope.can(pid, Capability.IMPORT_EXPORT))


def import_export_projects(*, user: Any) -> QuerySet[Project]:
    ids = import_export_project_ids(user=user)
    return visible_projects(user).filter(id__in=ids).order_by("name", "id")


def export_buildings(*, user: Any) -> QuerySet[Building]:
    ids = import_export_project_ids(user=user)
    return (
        Building.objects.filter(project_id__in=ids)
        .select_related("project")
        .order_by("project__name", "project_id", "name", "id")
    )


def import_job_list(*, user: Any, project_id: int | None = None) -> QuerySet[ImportJob]:
    """Jobs of the projects the user may import into, newest first."""
    qs = ImportJob.objects.filter(project_id__in=import_export_project_ids(user=user))
    if project_id:
        qs = qs.filter(project_id=project_id)
    return qs.select_related("project", "created_by").order_by("-created_at", "-id")


def access_import_job(user: Any, job_id: Any) -> ImportJob:
    """One job of a visible project; 404 for missing and out-of-scope alike. The caller
    still checks ``Capability.IMPORT_EXPORT`` (403 when missing)."""
    scope = scope_for(user)
    qs = ImportJob.objects.select_related("project", "created_by")
    if not scope.is_superuser:
        qs = qs.filter(project_id__in=scope.project_ids)
    try:
        return qs.get(pk=job_id)
    except (ImportJob.DoesNotExist, ValueError, TypeError):
        raise Http404 from None
