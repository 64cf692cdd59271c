"""Projects, buildings, units and occupants for staff, scoped by ``wuye.accounts.access``.

Lists read ``values()`` rows through ``wuye.places.selectors`` (one query per page);
details fetch through ``access_*`` (missing and out-of-scope are the same 404); writes go
through ``wuye.places.services`` after a capability check (403). Portal access for an
occupant goes through ``wuye.accounts.residents``.
"""

from __future__ import annotations

from collections.abc import Callable, Iterable
from typing import Any

from django.db.models import F, Model, QuerySet, prefetch_related_objects
from django.http import Http404
from django.utils.translation import gettext_lazy as _
from ninja import Query, Router, Status

from wuye.accounts.access import (
    Capability,
    access_building,
    access_occupant,
    access_project,
    access_unit,
    require,
    scope_for,
)
from wuye.accounts.residents import (
    occupant_portal_access_grant,
    occupant_portal_access_revoke,
    portal_path,
)
from wuye.api.auth import ApiRequest
from wuye.api.pagination import (
    BUILDING_ORDERING,
    OCCUPANT_ORDERING,
    PROJECT_ORDERING,
    UNIT_ORDERING,
    Ordering,
    paginate,
)
from wuye.api.schemas import (
    BuildingFilters,
    BuildingOut,
    BuildingPage,
    ErrorOut,
    OccupantCreateIn,
    OccupantDetailOut,
    OccupantFilters,
    OccupantPage,
    OccupantUpdateIn,
    PageParams,
    PersonalDataOut,
    ProjectDetailOut,
    ProjectFilters,
    ProjectPage,
    UnitCreateIn,
    UnitDetailOut,
    UnitFilters,
    UnitPage,
    UnitUpdateIn,
)
from wuye.core.errors import DomainError
from wuye.places import services
from wuye.places.models import Occupant, Unit
from wuye.places.selectors import (
    building_list,
    current_occupancies_prefetch,
    occupant_list,
    project_list,
    unit_list,
)

router = Router(tags=["places"])

LIST_ERRORS = {frozenset({401, 422}): ErrorOut}
DETAIL_ERRORS = {frozenset({401, 404}): ErrorOut}
WRITE_ERRORS = {frozenset({400, 401, 403, 404, 409, 422}): ErrorOut}
REVEAL_ERRORS = {frozenset({401, 403, 404}): ErrorOut}
PORTAL_ERRORS = {frozenset({401, 403, 404, 409, 422}): ErrorOut}

PROJECT_FIELDS = (
    "id",
    "company_id",
    "district_id",
    "name",
    "code",
    "kind",
    "address",
    "service_phone",
    "is_active",
)
PROJECT_DETAIL_FIELDS = (
    *PROJECT_FIELDS,
    "time_zone",
    "business_start",
    "business_end",
    "business_weekdays",
)
BUILDING_FIELDS = ("id", "project_id", "name", "floors")
UNIT_FIELDS = ("id", "project_id", "building_id", "number", "floor", "use", "building_area")
OCCUPANT_FIELDS = (
    "id",
    "project_id",
    "kind",
    "name",
    "contact_name",
    "mobile",
    "id_number",
    "email",
)


def _row(obj: Model, names: Iterable[str], **extra: Any) -> dict[str, Any]:
    return {**{name: getattr(obj, name) for name in names}, **extra}


def _referenced(access: Callable[[Any, Any], Any], user: Any, pk: int, field: str) -> Any:
    """An object named in a request body; missing or out of scope is a field error."""
    try:
        return access(user, pk)
    except Http404:
        raise DomainError(_("No such record in your projects."), field=field) from None


def _page(
    user: Any,
    rows: QuerySet[Any],
    ordering: Ordering,
    filters: PageParams,
    project: int | None = None,
) -> dict[str, Any]:
    """One page of a list. Partitioned lists learn which projects they can span from the
    scope (cached on the user: no query), so a page crossing projects seeks, not scans."""
    partitions = None
    if ordering.partition:
        partitions = scope_for(user).project_ids
        if project:
            partitions = partitions & {project}
    return paginate(
        rows, ordering=ordering, cursor=filters.cursor, limit=filters.limit, partitions=partitions
    )


# --- projects and buildings ------------------------------------------------------------------


@router.get("/projects", response={200: ProjectPage, **LIST_ERRORS})
def list_projects(request: ApiRequest, filters: Query[ProjectFilters]) -> Any:
    qs = project_list(user=request.auth, q=filters.q, kind=filters.kind or "")
    rows = qs.values(*PROJECT_FIELDS, company_name=F("company__name"))
    return _page(request.auth, rows, PROJECT_ORDERING, filters)


@router.get("/projects/{project_id}", response={200: ProjectDetailOut, **DETAIL_ERRORS})
def get_project(request: ApiRequest, project_id: int) -> Any:
    project = access_project(request.auth, project_id)
    return _row(project, PROJECT_DETAIL_FIELDS, company_name=project.company.name)


@router.get("/buildings", response={200: BuildingPage, **LIST_ERRORS})
def list_buildings(request: ApiRequest, filters: Query[BuildingFilters]) -> Any:
    qs = building_list(user=request.auth, project_id=filters.project, q=filters.q)
    return _page(
        request.auth, qs.values(*BUILDING_FIELDS), BUILDING_ORDERING, filters, filters.project
    )


@router.get("/buildings/{building_id}", response={200: BuildingOut, **DETAIL_ERRORS})
def get_building(request: ApiRequest, building_id: int) -> Any:
    return _row(access_building(request.auth, building_id), BUILDING_FIELDS)


# --- units -----------------------------------------------------------------------------------


def _unit_detail(unit: Unit) -> dict[str, Any]:
    prefetch_related_objects([unit], current_occupancies_prefetch())
    occupants = [
        {
            "id": occupancy.pk,
            "relation": occupancy.relation,
            "start_date": occupancy.start_date,
            "occupant": _row(occupancy.occupant, ("id", "kind", "name", "mobile")),
        }
        # Set by the Prefetch(to_attr=...) above, which the Django plugin cannot see.
        for occupancy in unit.current_occupancies  # type: ignore[attr-defined]
    ]
    return _row(unit, UNIT_FIELDS, building_name=unit.building.name, occupants=occupants)


@router.get("/units", response={200: UnitPage, **LIST_ERRORS})
def list_units(request: ApiRequest, filters: Query[UnitFilters]) -> Any:
    qs = unit_list(
        user=request.auth,
        project_id=filters.project,
        building_id=filters.building,
        q=filters.q,
        use=filters.use or "",
    )
    rows = qs.values(*UNIT_FIELDS, building_name=F("building__name"))
    return _page(request.auth, rows, UNIT_ORDERING, filters, filters.project)


@router.get("/units/{unit_id}", response={200: UnitDetailOut, **DETAIL_ERRORS})
def get_unit(request: ApiRequest, unit_id: int) -> Any:
    return _unit_detail(access_unit(request.auth, unit_id))


@router.post("/units", response={201: UnitDetailOut, **WRITE_ERRORS})
def create_unit(request: ApiRequest, payload: UnitCreateIn) -> Any:
    user = request.auth
    building = _referenced(access_building, user, payload.building_id, "building_id")
    require(user, building.project_id, Capability.MANAGE_PLACES)
    unit = services.unit_create(
        actor=user, building=building, **payload.model_dump(exclude={"building_id"})
    )
    return Status(201, _unit_detail(access_unit(user, unit.pk)))


@router.patch("/units/{unit_id}", response={200: UnitDetailOut, **WRITE_ERRORS})
def update_unit(request: ApiRequest, unit_id: int, payload: UnitUpdateIn) -> Any:
    user = request.auth
    unit = access_unit(user, unit_id)
    require(user, unit.project_id, Capability.MANAGE_PLACES)
    fields = payload.model_dump(exclude_unset=True)
    if "building_id" in fields:
        fields["building"] = _referenced(
            access_building, user, fields.pop("building_id"), "building_id"
        )
    services.unit_update(actor=user, unit=unit, **fields)
    # Read back: the response shows what was stored (e.g. 80.5 → "80.50").
    return _unit_detail(access_unit(user, unit_id))


# --- occupants -------------------------------------------------------------------------------


def _occupant_detail(occupant: Occupant) -> dict[str, Any]:
    return _row(
        occupant, (*OCCUPANT_FIELDS, "note"), has_portal_access=occupant.user_id is not None
    )


@router.get("/occupants", response={200: OccupantPage, **LIST_ERRORS})
def list_occupants(request: ApiRequest, filters: Query[OccupantFilters]) -> Any:
    qs = occupant_list(
        user=request.auth, project_id=filters.project, q=filters.q, kind=filters.kind or ""
    )
    return _page(
        request.auth, qs.values(*OCCUPANT_FIELDS), OCCUPANT_ORDERING, filters, filters.project
    )


@router.get("/occupants/{occupant_id}", response={200: OccupantDetailOut, **DETAIL_ERRORS})
def get_occupant(request: ApiRequest, occupant_id: int) -> Any:
    return _occupant_detail(access_occupant(request.auth, occupant_id))


@router.post("/occupants", response={201: OccupantDetailOut, **WRITE_ERRORS})
def create_occupant(request: ApiRequest, payload: OccupantCreateIn) -> Any:
    user = request.auth
    project = _referenced(access_project, user, payload.project_id, "project_id")
    require(user, project.pk, Capability.MANAGE_OCCUPANTS)
    occupant = services.occupant_create(
        actor=user, project=project, **payload.model_dump(exclude={"project_id"})
    )
    return Status(201, _occupant_detail(occupant))


@router.patch("/occupants/{occupant_id}", response={200: OccupantDetailOut, **WRITE_ERRORS})
def update_occupant(request: ApiRequest, occupant_id: int, payload: OccupantUpdateIn) -> Any:
    user = request.auth
    occupant = access_occupant(user, occupant_id)
    require(user, occupant.project_id, Capability.MANAGE_OCCUPANTS)
    occupant = services.occupant_update(
        actor=user, occupant=occupant, **payload.model_dump(exclude_unset=True)
    )
    return _occupant_detail(occupant)


@router.get(
    "/occupants/{occupant_id}/personal-data", response={200: PersonalDataOut, **REVEAL_ERRORS}
)
def reveal_personal_data(request: ApiRequest, occupant_id: int) -> Any:
    """Full phone and ID numbers. Needs the view-personal-data capability; every call is
    recorded in the audit log."""
    user = request.auth
    occupant = access_occupant(user, occupant_id)
    require(user, occupant.project_id, Capability.VIEW_PERSONAL_DATA)
    return services.personal_data_reveal(actor=user, occupant=occupant)


@router.post(
    "/occupants/{occupant_id}/portal-access",
    response={201: OccupantDetailOut, **PORTAL_ERRORS},
)
def grant_portal_access(request: ApiRequest, occupant_id: int) -> Any:
    """Link the occupant to a resident-portal login: the existing account with the occupant's
    mobile number, or a new one without a password (the resident signs in with an SMS code).
    A welcome SMS with the portal link is queued. 409 ``portal_access_exists`` when already
    linked; 422 on ``mobile`` when the occupant has no mobile number that can receive codes."""
    user = request.auth
    occupant = access_occupant(user, occupant_id)
    require(user, occupant.project_id, Capability.MANAGE_OCCUPANTS)
    occupant_portal_access_grant(
        actor=user, occupant=occupant, portal_url=request.build_absolute_uri(portal_path())
    )
    return Status(201, _occupant_detail(occupant))


@router.delete(
    "/occupants/{occupant_id}/portal-access",
    response={200: OccupantDetailOut, **PORTAL_ERRORS},
)
def revoke_portal_access(request: ApiRequest, occupant_id: int) -> Any:
    """Unlink the occupant from their portal login. The login is switched off when it is
    linked to no other occupant and belongs to no staff member. 409 ``no_portal_access``
    when the occupant was not linked."""
    user = request.auth
    occupant = access_occupant(user, occupant_id)
    require(user, occupant.project_id, Capability.MANAGE_OCCUPANTS)
    occupant_portal_access_revoke(actor=user, occupant=occupant)
    return _occupant_detail(occupant)
