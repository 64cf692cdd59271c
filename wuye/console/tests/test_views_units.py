"""Units: search, filters, detail, create/edit, starting and ending occupancies."""

from __future__ import annotations

import datetime as dt

import pytest
from django.urls import reverse

from wuye.audit.models import AuditEvent
from wuye.places.models import Occupancy, Unit
from wuye.testing import factories as f


def numbers(response):
    return [u.number for u in response.context["page"]]


@pytest.mark.parametrize("q", ["1111", "13800001111", "138 0000 1111", "张三", "1-101", "1幢"])
def test_desk_finds_a_unit_by_phone_tail_full_phone_name_number_or_building(login, world, q):
    response = login("desk").get(reverse("console:unit-list"), {"q": q})
    assert numbers(response) == ["1-101"]


def test_search_misses_out_of_scope_units(login, world):
    # occupant3 (李四, …3333) lives in company B's project
    assert numbers(login("admin").get(reverse("console:unit-list"), {"q": "3333"})) == []


def test_unit_list_shows_masked_phones_only(login, world):
    content = login("desk").get(reverse("console:unit-list")).content.decode()
    assert "138****1111" in content
    assert "13800001111" not in content


def test_unit_list_filters_by_building_and_use(login, world):
    other = f.BuildingFactory(project=world.p1, name="2幢")
    f.UnitFactory(building=other, number="2-201", use="shop")
    client = login("manager")
    assert numbers(client.get(reverse("console:unit-list"), {"building": other.pk})) == ["2-201"]
    assert numbers(client.get(reverse("console:unit-list"), {"use": "shop"})) == ["2-201"]
    assert numbers(client.get(reverse("console:unit-list"), {"use": "residence"})) == ["1-101"]


def test_live_search_returns_only_the_results_fragment(login, world):
    response = login("desk").get(
        reverse("console:unit-list"),
        {"q": "1111"},
        headers={"HX-Request": "true", "HX-Target": "unit-results"},
    )
    assert [t.name for t in response.templates][0] == "console/units/_results.html"
    content = response.content.decode()
    assert "1-101" in content
    assert "<html" not in content


def test_unit_list_paginates(login, world, populate):
    populate(30)
    client = login("manager")
    first = client.get(reverse("console:unit-list"))
    assert len(first.context["page"]) == 25
    second = client.get(reverse("console:unit-list"), {"page": 2})
    assert len(second.context["page"]) == 6


def test_unit_detail_shows_current_occupants_history_and_audit(login, world):
    # given 张三's occupancy of u1 was ended and a tenant moved in
    old = world.u1.occupancies.get()
    Occupancy.objects.filter(pk=old.pk).update(end_date=dt.date(2025, 1, 31))
    tenant = f.OccupantFactory(project=world.p1, name="王五", mobile="13912345678")
    f.OccupancyFactory(unit=world.u1, occupant=tenant, relation="tenant")
    # when the desk opens the unit
    response = login("desk").get(reverse("console:unit-detail", args=[world.u1.pk]))
    # then the tenant is current, 张三 is history, phones are masked
    assert [o.occupant.name for o in response.context["current"]] == ["王五"]
    assert [o.occupant.name for o in response.context["ended"]] == ["张三"]
    content = response.content.decode()
    assert "139****5678" in content
    assert "13912345678" not in content


def test_desk_links_an_occupant_to_a_unit(login, world):
    newcomer = f.OccupantFactory(project=world.p1, name="赵六")
    response = login("desk").post(
        reverse("console:occupancy-start", args=[world.u1.pk]),
        {"occupant": newcomer.pk, "relation": "family", "start_date": "2025-03-01"},
    )
    assert response.status_code == 302
    occupancy = Occupancy.objects.get(occupant=newcomer, unit=world.u1)
    assert occupancy.start_date == dt.date(2025, 3, 1)
    assert AuditEvent.objects.filter(
        action="places.occupancy.started", object_id=str(occupancy.pk)
    ).exists()
    # and the unit's history shows it
    detail = login("desk").get(reverse("console:unit-detail", args=[world.u1.pk]))
    assert any(e.action == "places.occupancy.started" for e in detail.context["audit_events"])


def test_linking_the_same_relation_twice_shows_the_domain_error_on_the_field(login, world):
    response = login("desk").post(
        reverse("console:occupancy-start", args=[world.u1.pk]),
        {"occupant": world.occupant1.pk, "relation": "owner"},
    )
    assert response.status_code == 200
    assert response.context["start_form"].errors["relation"]


def test_occupant_of_another_project_cannot_be_linked(login, world):
    response = login("admin").post(
        reverse("console:occupancy-start", args=[world.u1.pk]),
        {"occupant": world.occupant2.pk, "relation": "owner"},
    )
    assert "occupant" in response.context["start_form"].errors
    assert not Occupancy.objects.filter(occupant=world.occupant2, unit=world.u1).exists()


def test_desk_ends_an_occupancy(login, world):
    occupancy = world.u1.occupancies.get()
    response = login("desk").post(
        reverse("console:occupancy-end", args=[world.u1.pk, occupancy.pk]),
        {"end_date": "2025-06-30"},
    )
    assert response.status_code == 302
    occupancy.refresh_from_db()
    assert occupancy.end_date == dt.date(2025, 6, 30)


def test_end_date_before_start_is_a_field_error(login, world):
    occupancy = world.u1.occupancies.get()
    response = login("desk").post(
        reverse("console:occupancy-end", args=[world.u1.pk, occupancy.pk]),
        {"end_date": "2020-01-01"},
    )
    assert response.status_code == 200
    assert response.context["end_form"].errors["end_date"]
    assert response.context["end_errors_for"] == occupancy.pk
    occupancy.refresh_from_db()
    assert occupancy.end_date is None


def test_occupancy_of_another_unit_is_404(login, world):
    f.UnitFactory(building=world.b1, number="1-102")
    other_unit = Unit.objects.get(number="1-102")
    occupancy = world.u1.occupancies.get()
    response = login("desk").post(
        reverse("console:occupancy-end", args=[other_unit.pk, occupancy.pk])
    )
    assert response.status_code == 404


def test_manager_creates_a_unit(login, world):
    response = login("manager").post(
        reverse("console:unit-create"),
        {
            "building": world.b1.pk,
            "number": "1-102",
            "floor": 1,
            "use": "residence",
            "building_area": "95.20",
        },
    )
    assert response.status_code == 302
    unit = Unit.objects.get(building=world.b1, number="1-102")
    assert unit.project == world.p1
    assert str(unit.building_area) == "95.20"


def test_unit_create_shows_field_errors(login, world):
    response = login("manager").post(
        reverse("console:unit-create"),
        {
            "building": world.b1.pk,
            "number": "",
            "use": "castle",
            "building_area": "0",
        },
    )
    errors = response.context["form"].errors
    assert {"number", "use"} <= set(errors)


def test_duplicate_unit_number_is_refused(login, world):
    response = login("manager").post(
        reverse("console:unit-create"),
        {"building": world.b1.pk, "number": "1-101", "use": "residence"},
    )
    assert response.status_code == 200
    assert response.context["form"].errors
    assert Unit.objects.filter(building=world.b1, number="1-101").count() == 1


def test_zero_area_is_refused_by_the_model_validator(login, world):
    response = login("manager").post(
        reverse("console:unit-edit", args=[world.u1.pk]),
        {
            "building": world.b1.pk,
            "number": "1-101",
            "use": "residence",
            "building_area": "0",
        },
    )
    assert "building_area" in response.context["form"].errors


def test_manager_edits_a_unit(login, world):
    response = login("manager").post(
        reverse("console:unit-edit", args=[world.u1.pk]),
        {
            "building": world.b1.pk,
            "number": "1-101",
            "floor": 2,
            "use": "office",
            "building_area": "120",
        },
    )
    assert response.status_code == 302
    world.u1.refresh_from_db()
    assert (world.u1.floor, world.u1.use) == (2, "office")
    event = AuditEvent.objects.get(action="places.unit.updated")
    assert event.changes["use"] == ["residence", "office"]


def test_unit_edit_offers_only_buildings_of_the_same_project(login, world):
    form = login("admin").get(reverse("console:unit-edit", args=[world.u1.pk])).context["form"]
    assert [b.name for b in form.fields["building"].queryset] == ["1幢"]


def test_a_stale_building_filter_is_dropped_but_the_search_still_applies(login, world):
    # the building belongs to p2, the list is filtered to p1 and searched by tail
    response = login("admin").get(
        reverse("console:unit-list"), {"project": world.p1.pk, "building": world.b2.pk, "q": "1111"}
    )
    assert numbers(response) == ["1-101"]


def test_building_filter_names_the_project_when_listing_all_projects(login, world):
    form = login("admin").get(reverse("console:unit-list"), {"project": ""}).context["form"]
    assert "阳光新邸 · 1幢" in dict(form.fields["building"].choices).values()
