"""The caller's own account and, for residents, their own units."""

from __future__ import annotations

from typing import Any

from django.db.models import F
from ninja import Query, Router

from wuye.accounts.access import resident_units
from wuye.api.auth import ApiRequest
from wuye.api.pagination import UNIT_ORDERING, paginate
from wuye.api.routers.places import UNIT_FIELDS
from wuye.api.schemas import ErrorOut, MeOut, PageParams, UnitPage

router = Router(tags=["me"])


@router.get("/me", response={200: MeOut, frozenset({401}): ErrorOut})
def me(request: ApiRequest) -> Any:
    user = request.auth
    return {"id": user.pk, "username": user.username, "display_name": str(user)}


@router.get("/me/units", response={200: UnitPage, frozenset({401, 422}): ErrorOut})
def my_units(request: ApiRequest, filters: Query[PageParams]) -> Any:
    """Units where the caller is a current occupant (owner, tenant, family or contact)."""
    rows = resident_units(request.auth).values(*UNIT_FIELDS, building_name=F("building__name"))
    return paginate(rows, ordering=UNIT_ORDERING, cursor=filters.cursor, limit=filters.limit)
