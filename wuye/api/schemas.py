"""Request and response shapes of API v1.

Output schemas take plain ``dict`` rows (``QuerySet.values()`` on hot lists). Phone and ID
numbers pass through masking types, so no schema here can emit them in full by accident;
only ``PersonalDataOut`` does, and one endpoint returns it after a capability check.
"""

from __future__ import annotations

import datetime as dt
from decimal import Decimal
from typing import Annotated

from ninja import Field, Schema
from pydantic import BaseModel, BeforeValidator, ConfigDict

from wuye.core.masking import mask_id_number, mask_phone
from wuye.places.models import OccupantKind, ProjectKind, Relation, UnitUse

MaskedPhone = Annotated[str, BeforeValidator(lambda v: mask_phone(v or ""))]
MaskedIdNumber = Annotated[str, BeforeValidator(lambda v: mask_id_number(v or ""))]


class Out(BaseModel):
    """Base of response schemas: a plain pydantic model. ninja's ``Schema`` wraps every input
    in a Django-aware getter, which cost ~1.4 ms per 50-row page (docs/performance.md); our
    responses are built from ``.values()`` dicts or plain attributes and do not need it."""

    model_config = ConfigDict(from_attributes=True)


DEFAULT_LIMIT = 50
MAX_LIMIT = 200


# --- errors ----------------------------------------------------------------------------------


class ErrorDetail(Out):
    code: str = Field(description="Stable machine-readable code, e.g. not_found, validation_error.")
    message: str = Field(description="Human-readable message in the request's language.")
    fields: dict[str, list[str]] = Field(
        description="Messages per request field; __all__ holds errors not tied to one field."
    )


class ErrorOut(Out):
    error: ErrorDetail


# --- query parameters ------------------------------------------------------------------------


class PageParams(Schema):
    cursor: str | None = Field(None, description="next_cursor from the previous page.")
    limit: int = Field(DEFAULT_LIMIT, ge=1, le=MAX_LIMIT)


class ProjectFilters(PageParams):
    q: str = Field("", description="Part of the name, code or address.")
    kind: ProjectKind | None = None


class BuildingFilters(PageParams):
    project: int | None = None
    q: str = Field("", description="Part of the building name.")


class UnitFilters(PageParams):
    project: int | None = None
    building: int | None = None
    use: UnitUse | None = None
    q: str = Field(
        "",
        description="Unit number, building name, or a current occupant's name, "
        "last four phone digits or full phone.",
    )


class OccupantFilters(PageParams):
    project: int | None = None
    kind: OccupantKind | None = None
    q: str = Field("", description="Name, last four phone digits or full phone.")


# --- places ----------------------------------------------------------------------------------


class ProjectOut(Out):
    id: int
    company_id: int
    company_name: str
    district_id: int | None
    name: str
    code: str
    kind: ProjectKind
    address: str
    service_phone: str
    is_active: bool


class ProjectDetailOut(ProjectOut):
    time_zone: str
    business_start: dt.time
    business_end: dt.time
    business_weekdays: str


class BuildingOut(Out):
    id: int
    project_id: int
    name: str
    floors: int | None


class UnitOut(Out):
    id: int
    project_id: int
    building_id: int
    building_name: str
    number: str
    floor: int | None
    use: UnitUse
    building_area: Decimal | None = Field(description="Square metres, as a decimal string.")


class OccupantBriefOut(Out):
    id: int
    kind: OccupantKind
    name: str
    mobile: MaskedPhone


class UnitOccupancyOut(Out):
    id: int
    relation: Relation
    start_date: dt.date | None
    occupant: OccupantBriefOut


class UnitDetailOut(UnitOut):
    occupants: list[UnitOccupancyOut] = Field(description="Current occupancies.")


class OccupantOut(Out):
    id: int
    project_id: int
    kind: OccupantKind
    name: str
    contact_name: str
    mobile: MaskedPhone
    id_number: MaskedIdNumber
    email: str


class OccupantDetailOut(OccupantOut):
    note: str
    has_portal_access: bool = Field(
        description="Linked to a login for the resident portal "
        "(POST/DELETE /occupants/{id}/portal-access)."
    )


class PersonalDataOut(Out):
    mobile: str
    id_number: str


class MeOut(Out):
    id: int
    username: str
    display_name: str


# --- pages -----------------------------------------------------------------------------------


class ProjectPage(Out):
    items: list[ProjectOut]
    next_cursor: str | None


class BuildingPage(Out):
    items: list[BuildingOut]
    next_cursor: str | None


class UnitPage(Out):
    items: list[UnitOut]
    next_cursor: str | None


class OccupantPage(Out):
    items: list[OccupantOut]
    next_cursor: str | None


# --- input -----------------------------------------------------------------------------------


class _In(Schema):
    # Unknown fields are errors, so a misspelt field in a PATCH does not silently do nothing.
    model_config = ConfigDict(extra="forbid")


class UnitCreateIn(_In):
    building_id: int
    number: str
    floor: int | None = None
    use: UnitUse = UnitUse.RESIDENCE
    building_area: Decimal | None = None


class UnitUpdateIn(_In):
    """Only the fields sent are changed."""

    building_id: int | None = None
    number: str | None = None
    floor: int | None = None
    use: UnitUse | None = None
    building_area: Decimal | None = None


class OccupantCreateIn(_In):
    project_id: int
    name: str
    kind: OccupantKind = OccupantKind.PERSON
    contact_name: str = ""
    mobile: str = ""
    id_number: str = ""
    email: str = ""
    note: str = ""


class OccupantUpdateIn(_In):
    """Only the fields sent are changed."""

    name: str | None = None
    kind: OccupantKind | None = None
    contact_name: str | None = None
    mobile: str | None = None
    id_number: str | None = None
    email: str | None = None
    note: str | None = None
