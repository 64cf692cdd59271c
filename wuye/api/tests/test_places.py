"""Projects, buildings, units and occupants: happy paths, filters, scoping, capabilities."""

from __future__ import annotations

import pytest

from wuye.audit.models import AuditEvent
from wuye.places.models import Occupant, Unit
from wuye.testing import factories as f

from .conftest import ids

# --- reading ---------------------------------------------------------------------------------


def test_projects_list_and_filters(api_as, world):
    api = api_as("admin")

    # by company, then name (中 U+4E2D sorts before 阳 U+9633)
    assert ids(api.get("/projects")) == [world.p2.pk, world.p1.pk]
    assert ids(api.get("/projects", {"kind": "office"})) == [world.p2.pk]
    assert ids(api.get("/projects", {"q": "阳光"})) == [world.p1.pk]


def test_project_detail(api_as, world):
    body = api_as("manager").get(f"/projects/{world.p1.pk}").json()

    assert body["name"] == "阳光新邸"
    assert body["company_name"] == "甲物业"
    assert body["business_start"] == "08:30:00"


def test_buildings_list_detail_and_filters(api_as, world):
    api = api_as("admin")
    extra = f.BuildingFactory(project=world.p1, name="2幢")

    assert ids(api.get("/buildings")) == [world.b1.pk, extra.pk, world.b2.pk]
    assert ids(api.get("/buildings", {"project": world.p2.pk})) == [world.b2.pk]
    assert ids(api.get("/buildings", {"q": "2幢"})) == [extra.pk]
    assert api.get(f"/buildings/{extra.pk}").json() == {
        "id": extra.pk,
        "project_id": world.p1.pk,
        "name": "2幢",
        "floors": 18,
    }


def test_units_list_filters(api_as, world):
    api = api_as("admin")
    shop = f.UnitFactory(building=world.b1, number="S-01", use="shop")

    assert ids(api.get("/units")) == [world.u1.pk, shop.pk, world.u2.pk]
    assert ids(api.get("/units", {"project": world.p2.pk})) == [world.u2.pk]
    assert ids(api.get("/units", {"building": world.b1.pk})) == [world.u1.pk, shop.pk]
    assert ids(api.get("/units", {"use": "shop"})) == [shop.pk]
    row = api.get("/units", {"use": "shop"}).json()["items"][0]
    assert row == {
        "id": shop.pk,
        "project_id": world.p1.pk,
        "building_id": world.b1.pk,
        "building_name": "1幢",
        "number": "S-01",
        "floor": 1,
        "use": "shop",
        "building_area": "89.50",
    }


@pytest.mark.parametrize(
    ("q", "expected"),
    [
        ("S-0", "shop"),  # unit number
        ("1幢", "both"),  # building name
        ("张三", "u1"),  # current occupant's name
        ("1111", "u1"),  # occupant's phone tail
        ("138 0000 1111", "u1"),  # whole phone, however written
        ("nobody", "none"),
    ],
)
def test_units_search(api_as, world, q, expected):
    shop = f.UnitFactory(building=world.b1, number="S-01", use="shop")
    wanted = {"shop": [shop.pk], "u1": [world.u1.pk], "both": [world.u1.pk, shop.pk], "none": []}

    assert ids(api_as("manager").get("/units", {"q": q})) == wanted[expected]


def test_unit_detail_includes_current_occupants_masked(api_as, world):
    former = f.OccupantFactory(project=world.p1, name="前业主", mobile="13700007777")
    f.OccupancyFactory(
        unit=world.u1, occupant=former, end_date="2024-06-30", start_date="2020-01-01"
    )

    body = api_as("manager").get(f"/units/{world.u1.pk}").json()

    assert body["number"] == "1-101"
    assert body["building_name"] == "1幢"
    assert [o["occupant"] for o in body["occupants"]] == [
        {"id": world.occupant1.pk, "kind": "person", "name": "张三", "mobile": "138****1111"}
    ]
    assert body["occupants"][0]["relation"] == "owner"


def test_occupants_list_filters_and_masking(api_as, world):
    api = api_as("admin")
    org = f.OccupantFactory(
        project=world.p1, name="物业公司甲", kind="organisation", mobile="13600006666"
    )

    assert ids(api.get("/occupants")) == [world.occupant1.pk, org.pk, world.occupant2.pk]
    assert ids(api.get("/occupants", {"project": world.p1.pk, "kind": "organisation"})) == [org.pk]
    assert ids(api.get("/occupants", {"q": "6666"})) == [org.pk]
    row = api.get("/occupants", {"q": "张三"}).json()["items"][0]
    assert row["mobile"] == "138****1111"
    assert row["id_number"].count("*") == 10
    assert world.occupant1.id_number not in str(api.get("/occupants").json())


def test_occupant_detail_is_masked(api_as, world):
    body = api_as("desk").get(f"/occupants/{world.occupant1.pk}").json()

    assert body["name"] == "张三"
    assert body["mobile"] == "138****1111"
    assert body["id_number"] == world.occupant1.masked_id_number


def test_personal_data_reveal_is_audited(api_as, world):
    body = api_as("desk").get(f"/occupants/{world.occupant1.pk}/personal-data").json()

    assert body == {"mobile": "13800001111", "id_number": world.occupant1.id_number}
    event = AuditEvent.objects.get(action="places.occupant.personal_data_viewed")
    assert (event.actor, event.object_id) == (world.desk, str(world.occupant1.pk))


@pytest.mark.parametrize("user", ["tech", "guard", "quality", "district"])
def test_personal_data_needs_the_capability(api_as, world, user):
    response = api_as(user).get(f"/occupants/{world.occupant1.pk}/personal-data")

    assert response.status_code == 403
    assert response.json()["error"]["code"] == "permission_denied"
    assert not AuditEvent.objects.filter(action="places.occupant.personal_data_viewed").exists()


def test_me_units_lists_only_the_residents_units(api_as, world):
    f.OccupancyFactory(unit=world.u2, occupant=f.OccupantFactory(project=world.p2))

    assert ids(api_as("resident").get("/me/units")) == [world.u1.pk]
    assert ids(api_as("outsider").get("/me/units")) == []
    assert ids(api_as("manager").get("/me/units")) == []


# --- scoping ---------------------------------------------------------------------------------

LISTS = ["/projects", "/buildings", "/units", "/occupants"]


def test_manager2_sees_only_p2(api_as, world):
    api = api_as("manager2")
    expected = {
        "/projects": [world.p2.pk],
        "/buildings": [world.b2.pk],
        "/units": [world.u2.pk],
        "/occupants": [world.occupant2.pk],
    }

    assert {path: ids(api.get(path)) for path in LISTS} == expected
    # asking for another project's rows explicitly changes nothing
    assert ids(api.get("/units", {"project": world.p1.pk})) == []


def test_company_b_admin_sees_none_of_company_a(api_as, world):
    api = api_as("admin_b")
    expected = {
        "/projects": [world.p3.pk],
        "/buildings": [world.b3.pk],
        "/units": [world.u3.pk],
        "/occupants": [world.occupant3.pk],
    }

    assert {path: ids(api.get(path)) for path in LISTS} == expected


@pytest.mark.parametrize("user", ["resident", "outsider"])
def test_people_without_a_role_get_empty_staff_lists(api_as, world, user):
    api = api_as(user)

    assert {path: ids(api.get(path)) for path in LISTS} == {path: [] for path in LISTS}


def _p1_details(world):
    return [
        f"/projects/{world.p1.pk}",
        f"/buildings/{world.b1.pk}",
        f"/units/{world.u1.pk}",
        f"/occupants/{world.occupant1.pk}",
        f"/occupants/{world.occupant1.pk}/personal-data",
    ]


@pytest.mark.parametrize("user", ["manager2", "admin_b", "resident", "outsider"])
def test_p1_objects_are_404_outside_p1(api_as, world, user):
    api = api_as(user)

    for path in _p1_details(world):
        response = api.get(path)
        assert response.status_code == 404, path
        assert response.json()["error"]["code"] == "not_found"


def test_out_of_scope_is_the_same_404_as_missing(api_as, world):
    api = api_as("manager2")

    hidden = api.get(f"/units/{world.u1.pk}")
    missing = api.get("/units/999999")

    assert hidden.status_code == missing.status_code == 404
    assert hidden.json() == missing.json()


# --- writing ---------------------------------------------------------------------------------


def test_create_unit(api_as, world):
    response = api_as("manager").post(
        "/units",
        {
            "building_id": world.b1.pk,
            "number": " 1-102 ",
            "floor": 1,
            "use": "residence",
            "building_area": "88.5",
        },
    )

    assert response.status_code == 201
    body = response.json()
    unit = Unit.objects.get(pk=body["id"])
    assert (unit.project, unit.number, str(unit.building_area)) == (world.p1, "1-102", "88.50")
    assert body["building_area"] == "88.50"
    assert body["occupants"] == []
    assert AuditEvent.objects.filter(action="places.unit.created", object_id=str(unit.pk)).exists()


def test_update_unit_changes_only_what_is_sent(api_as, world):
    response = api_as("manager").patch(f"/units/{world.u1.pk}", {"use": "shop", "floor": None})

    assert response.status_code == 200
    world.u1.refresh_from_db()
    assert (world.u1.use, world.u1.floor, world.u1.number) == ("shop", None, "1-101")
    assert response.json()["occupants"][0]["occupant"]["name"] == "张三"
    assert AuditEvent.objects.filter(action="places.unit.updated").exists()


def test_unit_moves_only_within_its_project(api_as, world):
    other = f.BuildingFactory(project=world.p1, name="3幢")
    api = api_as("admin")

    assert api.patch(f"/units/{world.u1.pk}", {"building_id": other.pk}).status_code == 200
    refused = api.patch(f"/units/{world.u1.pk}", {"building_id": world.b2.pk})
    assert refused.status_code == 422
    assert list(refused.json()["error"]["fields"]) == ["building_id"]


def test_create_and_update_occupant(api_as, world):
    api = api_as("desk")

    created = api.post(
        "/occupants",
        {"project_id": world.p1.pk, "name": "王五", "mobile": "139-0000-5555", "id_number": ""},
    )
    assert created.status_code == 201
    body = created.json()
    assert body["mobile"] == "139****5555"
    occupant = Occupant.objects.get(pk=body["id"])
    assert (occupant.mobile, occupant.mobile_tail) == ("13900005555", "5555")

    updated = api.patch(f"/occupants/{occupant.pk}", {"contact_name": "王先生"})
    assert updated.status_code == 200
    assert updated.json()["contact_name"] == "王先生"
    assert updated.json()["mobile"] == "139****5555"


@pytest.mark.parametrize(
    ("user", "path", "body"),
    [
        ("desk", "/units", lambda w: {"building_id": w.b1.pk, "number": "X"}),
        ("tech", "/occupants", lambda w: {"project_id": w.p1.pk, "name": "X"}),
        ("district", "/occupants", lambda w: {"project_id": w.p1.pk, "name": "X"}),
    ],
)
def test_create_needs_the_capability(api_as, world, user, path, body):
    response = api_as(user).post(path, body(world))

    assert response.status_code == 403
    assert response.json()["error"]["code"] == "permission_denied"


def test_update_needs_the_capability(api_as, world):
    api = api_as("tech")

    assert api.patch(f"/units/{world.u1.pk}", {"floor": 2}).status_code == 403
    assert api.patch(f"/occupants/{world.occupant1.pk}", {"name": "X"}).status_code == 403


def test_writes_outside_scope(api_as, world):
    api = api_as("manager2")

    assert api.patch(f"/units/{world.u1.pk}", {"floor": 2}).status_code == 404
    assert api.patch(f"/occupants/{world.occupant1.pk}", {"name": "X"}).status_code == 404
    refused = api.post("/units", {"building_id": world.b1.pk, "number": "X"})
    assert refused.status_code == 422
    assert list(refused.json()["error"]["fields"]) == ["building_id"]
    refused = api.post("/occupants", {"project_id": world.p1.pk, "name": "X"})
    assert list(refused.json()["error"]["fields"]) == ["project_id"]
    assert not Unit.objects.filter(number="X").exists()
