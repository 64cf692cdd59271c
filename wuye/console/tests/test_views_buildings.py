"""Buildings: list, create and edit."""

from __future__ import annotations

from django.urls import reverse

from wuye.audit.models import AuditEvent
from wuye.places.models import Building


def test_building_list_is_scoped_and_filtered_by_project(login, world):
    client = login("admin")
    all_names = [b.name for b in client.get(reverse("console:building-list")).context["page"]]
    assert sorted(all_names) == ["1幢", "A座"]
    p2_names = [
        b.name
        for b in client.get(reverse("console:building-list"), {"project": world.p2.pk}).context[
            "page"
        ]
    ]
    assert p2_names == ["A座"]


def test_building_list_counts_units(login, world):
    page = login("manager").get(reverse("console:building-list")).context["page"]
    assert [(b.name, b.n_units) for b in page] == [("1幢", 1)]


def test_manager_creates_a_building(login, world):
    response = login("manager").post(
        reverse("console:building-create"), {"project": world.p1.pk, "name": "2幢", "floors": 11}
    )
    assert response.status_code == 302
    building = Building.objects.get(project=world.p1, name="2幢")
    assert building.floors == 11
    assert AuditEvent.objects.filter(
        action="places.building.created", object_id=str(building.pk)
    ).exists()


def test_duplicate_building_name_is_shown_on_the_form(login, world):
    response = login("manager").post(
        reverse("console:building-create"), {"project": world.p1.pk, "name": "1幢"}
    )
    assert response.status_code == 200
    assert response.context["form"].errors
    assert Building.objects.filter(project=world.p1, name="1幢").count() == 1


def test_cannot_create_a_building_in_a_project_out_of_scope(login, world):
    # manager2 picks p1 although it is not offered: the form refuses the choice
    response = login("manager2").post(
        reverse("console:building-create"), {"project": world.p1.pk, "name": "X"}
    )
    assert "project" in response.context["form"].errors
    assert not Building.objects.filter(name="X").exists()


def test_create_form_offers_only_projects_where_user_manages_places(login, world):
    form = login("admin").get(reverse("console:building-create")).context["form"]
    assert sorted(p.name for p in form.fields["project"].queryset) == ["中心大厦", "阳光新邸"]


def test_manager_edits_a_building(login, world):
    response = login("manager").post(
        reverse("console:building-edit", args=[world.b1.pk]), {"name": "1号楼", "floors": 20}
    )
    assert response.status_code == 302
    world.b1.refresh_from_db()
    assert (world.b1.name, world.b1.floors) == ("1号楼", 20)


def test_building_edit_shows_field_errors(login, world):
    response = login("manager").post(
        reverse("console:building-edit", args=[world.b1.pk]), {"name": "", "floors": 0}
    )
    assert set(response.context["form"].errors) == {"name", "floors"}
