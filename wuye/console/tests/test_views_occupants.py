"""Occupants: list, detail with masked personal data and the audited reveal, create, edit."""

from __future__ import annotations

from django.urls import reverse

from wuye.audit.models import AuditEvent
from wuye.places.models import Occupant
from wuye.testing import factories as f


def test_occupant_list_search_by_name_and_phone_tail(login, world):
    client = login("admin")
    by_tail = client.get(reverse("console:occupant-list"), {"q": "2222"}).context["page"]
    assert [o.name for o in by_tail] == ["某科技有限公司"]
    by_name = client.get(reverse("console:occupant-list"), {"q": "张"}).context["page"]
    assert [o.name for o in by_name] == ["张三"]


def test_occupant_list_filters_by_kind(login, world):
    page = (
        login("admin")
        .get(reverse("console:occupant-list"), {"kind": "organisation"})
        .context["page"]
    )
    assert [o.name for o in page] == ["某科技有限公司"]


def test_occupant_list_masks_phones_and_shows_current_units(login, world):
    content = login("desk").get(reverse("console:occupant-list")).content.decode()
    assert "138****1111" in content
    assert "13800001111" not in content
    assert "1-101" in content


def test_occupant_detail_masks_mobile_and_id_number(login, world):
    response = login("desk").get(reverse("console:occupant-detail", args=[world.occupant1.pk]))
    content = response.content.decode()
    assert world.occupant1.masked_id_number in content
    assert world.occupant1.id_number not in content
    assert "13800001111" not in content
    assert response.context["can_reveal"] is True
    assert reverse("console:occupant-reveal", args=[world.occupant1.pk]) in content


def test_reveal_button_is_hidden_without_the_capability(login, world):
    response = login("tech").get(reverse("console:occupant-detail", args=[world.occupant1.pk]))
    assert response.context["can_reveal"] is False
    assert (
        reverse("console:occupant-reveal", args=[world.occupant1.pk])
        not in response.content.decode()
    )


def test_reveal_shows_full_data_and_leaves_an_audit_record(login, world):
    # when the desk asks to see the full numbers
    response = login("desk").post(
        reverse("console:occupant-reveal", args=[world.occupant1.pk]),
        headers={"HX-Request": "true"},
    )
    # then they get them, uncached, and the access is recorded
    assert response.status_code == 200
    content = response.content.decode()
    assert "13800001111" in content
    assert world.occupant1.id_number in content
    assert "no-cache" in response["Cache-Control"] or "max-age=0" in response["Cache-Control"]
    event = AuditEvent.objects.get(action="places.occupant.personal_data_viewed")
    assert (event.actor, event.object_id) == (world.desk, str(world.occupant1.pk))


def test_reveal_is_refused_without_the_capability_and_records_nothing(login, world):
    response = login("tech").post(reverse("console:occupant-reveal", args=[world.occupant1.pk]))
    assert response.status_code == 403
    assert "13800001111" not in response.content.decode()
    assert not AuditEvent.objects.filter(action="places.occupant.personal_data_viewed").exists()


def test_reveal_needs_post(login, world):
    response = login("desk").get(reverse("console:occupant-reveal", args=[world.occupant1.pk]))
    assert response.status_code == 405


def test_desk_creates_an_occupant(login, world):
    response = login("desk").post(
        reverse("console:occupant-create"),
        {
            "project": world.p1.pk,
            "kind": "person",
            "name": "钱七",
            "mobile": "139 1234 5678",
            "id_number": "",
            "email": "",
        },
    )
    assert response.status_code == 302
    occupant = Occupant.objects.get(name="钱七")
    assert (occupant.mobile, occupant.mobile_tail) == ("13912345678", "5678")
    event = AuditEvent.objects.get(action="places.occupant.created")
    assert event.changes["mobile"][1] == "139****5678"


def test_invalid_mobile_and_id_number_show_field_errors(login, world):
    response = login("desk").post(
        reverse("console:occupant-create"),
        {
            "project": world.p1.pk,
            "kind": "person",
            "name": "钱七",
            "mobile": "12ab",
            "id_number": "110101199003071235",
        },
    )
    errors = response.context["form"].errors
    assert set(errors) == {"mobile", "id_number"}
    assert not Occupant.objects.filter(name="钱七").exists()


def test_edit_keeps_mobile_and_id_when_left_empty(login, world):
    before_id = world.occupant1.id_number
    response = login("desk").post(
        reverse("console:occupant-edit", args=[world.occupant1.pk]),
        {
            "kind": "person",
            "name": "张三丰",
            "mobile": "",
            "id_number": "",
        },
    )
    assert response.status_code == 302
    world.occupant1.refresh_from_db()
    assert world.occupant1.name == "张三丰"
    assert world.occupant1.mobile == "13800001111"
    assert world.occupant1.id_number == before_id


def test_edit_form_never_prefills_personal_data(login, world):
    response = login("desk").get(reverse("console:occupant-edit", args=[world.occupant1.pk]))
    content = response.content.decode()
    assert "13800001111" not in content
    assert world.occupant1.id_number not in content
    assert "138****1111" in content  # shown as a hint


def test_edit_changes_the_mobile(login, world):
    login("desk").post(
        reverse("console:occupant-edit", args=[world.occupant1.pk]),
        {
            "kind": "person",
            "name": "张三",
            "mobile": "13955556666",
        },
    )
    world.occupant1.refresh_from_db()
    assert world.occupant1.mobile_tail == "6666"


def test_occupant_detail_shows_units_and_history(login, world):
    other = f.UnitFactory(building=world.b1, number="1-202")
    f.OccupancyFactory(
        unit=other, occupant=world.occupant1, relation="owner", end_date="2024-12-31"
    )
    response = login("desk").get(reverse("console:occupant-detail", args=[world.occupant1.pk]))
    assert [o.unit.number for o in response.context["current"]] == ["1-101"]
    assert [o.unit.number for o in response.context["ended"]] == ["1-202"]
