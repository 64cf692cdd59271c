import datetime as dt

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext

from wuye.outreach.audiences import (
    AudienceFilter,
    audience_ids,
    audience_occupants,
    audience_preview,
)
from wuye.testing import factories as f

pytestmark = pytest.mark.django_db


def _ids(world, **kwargs):
    return set(
        audience_ids(project_ids=[world.p1.pk, world.p2.pk], audience=AudienceFilter(**kwargs))
    )


def test_default_audience_is_every_current_occupant_of_the_projects(world, resident):
    moved_out = resident(name="搬走", end=dt.date(2025, 1, 1))
    assert _ids(world) == {world.occupant1.pk, world.occupant2.pk}
    assert moved_out.pk in _ids(world, current_only=False)


def test_projects_narrow_but_never_widen_the_scope(world):
    assert _ids(world, project_ids=(world.p1.pk,)) == {world.occupant1.pk}
    assert _ids(world, project_ids=(world.p3.pk,)) == set()  # outside the scope


def test_buildings_units_and_relations(world, resident):
    b = f.BuildingFactory.create(project=world.p1, name="2幢")
    u = f.UnitFactory.create(building=b, number="2-202")
    tenant = resident(u, relation="tenant")
    contact = resident(u, relation="contact")
    assert _ids(world, building_ids=(b.pk,)) == {tenant.pk, contact.pk}
    assert _ids(world, unit_ids=(world.u1.pk,)) == {world.occupant1.pk}
    assert _ids(world, relations=("tenant",)) == {tenant.pk, world.occupant2.pk}
    assert _ids(world, relations=("owner", "contact")) == {world.occupant1.pk, contact.pk}


def test_interest_tags_match_any(world, resident):
    chess = resident(interests=["象棋", "书法"])
    dance = resident(interests=["广场舞"])
    resident(interests=[])
    assert _ids(world, interests=("书法",)) == {chess.pk}
    assert _ids(world, interests=("书法", "广场舞")) == {chess.pk, dance.pk}
    assert _ids(world, interests=("摄影",)) == set()


def test_birthday_month(world, resident):
    june = resident(birthday=dt.date(1960, 6, 3))
    resident(birthday=dt.date(1970, 7, 3))
    assert _ids(world, birthday_month=6) == {june.pk}


def test_an_occupant_with_two_units_is_counted_once(world, resident):
    u = f.UnitFactory.create(building=world.b1, number="1-102")
    from wuye.places.models import Occupancy

    Occupancy.objects.create(occupant=world.occupant1, unit=u, relation="owner")
    qs = audience_occupants(project_ids=[world.p1.pk], audience=AudienceFilter())
    assert qs.count() == 1


def test_filter_round_trips_through_json():
    audience = AudienceFilter(
        building_ids=(3,), relations=("owner", "bogus"), interests=("书法",), birthday_month=6
    )
    again = AudienceFilter.from_json(audience.to_json())
    assert again.relations == ("owner",)
    assert again.building_ids == (3,) and again.interests == ("书法",) and again.birthday_month == 6
    assert AudienceFilter.from_json({"birthday_month": "13"}).birthday_month is None


def test_preview_is_scoped_and_masked(world, resident):
    preview = audience_preview(world.manager, AudienceFilter())
    assert preview.count == 1
    assert preview.sample == [
        {"id": world.occupant1.pk, "name": "张三", "mobile": "138****1111", "project": "阳光新邸"}
    ]
    # the company admin sees both projects of company A, never company B's
    assert audience_preview(world.admin, AudienceFilter()).count == 2
    assert audience_preview(world.admin_b, AudienceFilter()).count == 1
    # engineers have no outreach capability
    assert audience_preview(world.tech, AudienceFilter()).count == 0


def test_count_is_one_query(world):
    qs = audience_occupants(
        project_ids=[world.p1.pk],
        audience=AudienceFilter(
            building_ids=(world.b1.pk,), relations=("owner",), interests=("x",), birthday_month=1
        ),
    )
    with CaptureQueriesContext(connection) as ctx:
        qs.count()
    assert len(ctx.captured_queries) == 1
    assert "DISTINCT" not in ctx.captured_queries[0]["sql"].upper()
