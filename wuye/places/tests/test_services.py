"""Writes to places and people: validation, derived fields, audit, history."""

from __future__ import annotations

import datetime as dt
from decimal import Decimal

import pytest
from django.core.exceptions import ValidationError

from wuye.audit.models import AuditEvent
from wuye.core.errors import DomainError
from wuye.core.idcard import make_id_number
from wuye.places import selectors, services
from wuye.places.models import Occupancy


def test_occupant_create_normalises_phone_and_audits_masked(world):
    occupant = services.occupant_create(
        actor=world.desk,
        project=world.p1,
        name=" 王五 ",
        mobile="+86 138-0000-5678",
        id_number=make_id_number("330106", dt.date(1985, 5, 5), 7).lower(),
    )
    assert occupant.name == "王五"
    assert occupant.mobile == "13800005678"
    assert occupant.mobile_tail == "5678"
    event = AuditEvent.objects.get(action="places.occupant.created", object_id=str(occupant.pk))
    assert event.actor == world.desk
    assert event.changes["mobile"] == [None, "138****5678"]
    assert "5678" not in str(event.changes["id_number"][1])[:-4]
    assert "id_number_index" not in event.changes


def test_occupant_create_reports_field_errors(world):
    with pytest.raises(ValidationError) as exc:
        services.occupant_create(
            actor=world.desk,
            project=world.p1,
            name="错",
            mobile="12ab",
            id_number="110105194912310021",
        )
    assert set(exc.value.message_dict) == {"mobile", "id_number"}


def test_occupant_update_records_only_what_changed(world):
    services.occupant_update(actor=world.manager, occupant=world.occupant1, mobile="13900001234")
    event = AuditEvent.objects.get(action="places.occupant.updated")
    assert event.changes == {"mobile": ["138****1111", "139****1234"]}
    services.occupant_update(actor=world.manager, occupant=world.occupant1, mobile="13900001234")
    assert AuditEvent.objects.filter(action="places.occupant.updated").count() == 1


def test_unit_create_validates_area_and_uniqueness(world):
    unit = services.unit_create(
        actor=world.manager,
        building=world.b1,
        number="2-202",
        floor=2,
        building_area=Decimal("120.55"),
    )
    assert unit.project == world.p1
    with pytest.raises(ValidationError) as exc:
        services.unit_create(actor=world.manager, building=world.b1, number="2-202")
    assert exc.value.message_dict
    with pytest.raises(ValidationError) as exc:
        services.unit_create(
            actor=world.manager, building=world.b1, number="3-303", building_area=Decimal("-1")
        )
    assert "building_area" in exc.value.message_dict


def test_occupancy_history_is_kept(world):
    current = Occupancy.objects.get(unit=world.u1, occupant=world.occupant1)
    services.occupancy_end(actor=world.desk, occupancy=current, end_date=dt.date(2026, 6, 30))
    tenant = services.occupant_create(
        actor=world.desk, project=world.p1, name="新租户", mobile="13700007777"
    )
    services.occupancy_start(
        actor=world.desk,
        occupant=tenant,
        unit=world.u1,
        relation="tenant",
        start_date=dt.date(2026, 7, 1),
    )
    history = list(selectors.occupancy_history_for_unit(unit=world.u1))
    assert [(o.occupant.name, o.end_date) for o in history] == [
        ("新租户", None),
        ("张三", dt.date(2026, 6, 30)),
    ]
    with pytest.raises(DomainError):
        services.occupancy_end(actor=world.desk, occupancy=current)


def test_occupancy_across_projects_is_refused(world):
    with pytest.raises(DomainError):
        services.occupancy_start(
            actor=world.admin, occupant=world.occupant2, unit=world.u1, relation="tenant"
        )


@pytest.mark.parametrize(
    ("q", "expected"),
    [
        ("1111", ["1-101"]),
        ("张三", ["1-101"]),
        ("1-10", ["1-101"]),
        ("13800001111", ["1-101"]),
        ("2222", []),
    ],
)
def test_unit_search_by_number_name_and_phone_tail(world, q, expected):
    assert [u.number for u in selectors.unit_list(user=world.desk, q=q)] == expected


def test_personal_data_reveal_leaves_access_record(world):
    data = services.personal_data_reveal(actor=world.manager, occupant=world.occupant1)
    assert data["mobile"] == "13800001111"
    assert AuditEvent.objects.filter(
        action="places.occupant.personal_data_viewed", actor=world.manager
    ).exists()
