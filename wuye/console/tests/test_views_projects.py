"""Projects: list, detail and edit."""

from __future__ import annotations

import datetime as dt

from django.urls import reverse

from wuye.audit.models import AuditEvent


def _edit_data(**overrides):
    data = {
        "address": "西湖区文三路 1 号",
        "service_phone": "0571-88886666",
        "fee_model": "commission",
        "business_start": "09:00",
        "business_end": "18:00",
        "business_weekdays": ["1", "2", "3", "4", "5", "6"],
    }
    data.update(overrides)
    return data


def test_project_list_shows_visible_projects_only(login, world):
    response = login("admin_b").get(reverse("console:project-list"))
    names = [p.name for p in response.context["page"]]
    assert names == ["乙小区"]


def test_project_list_search(login, world):
    response = login("admin").get(reverse("console:project-list"), {"q": "中心"})
    assert [p.name for p in response.context["page"]] == ["中心大厦"]


def test_project_detail_shows_details_buildings_and_history(login, world):
    response = login("manager").get(reverse("console:project-detail", args=[world.p1.pk]))
    assert response.status_code == 200
    content = response.content.decode()
    assert "1幢" in content
    assert "0571-88880000" in content
    assert response.context["can_edit"] is True


def test_project_detail_hides_edit_for_view_only_roles(login, world):
    response = login("tech").get(reverse("console:project-detail", args=[world.p1.pk]))
    assert response.context["can_edit"] is False
    assert reverse("console:project-edit", args=[world.p1.pk]) not in response.content.decode()


def test_manager_edits_business_hours_and_fee_model(login, world):
    # when the manager saves new project settings
    response = login("manager").post(
        reverse("console:project-edit", args=[world.p1.pk]), _edit_data()
    )
    # then they are stored and the change is audited
    assert response.status_code == 302
    world.p1.refresh_from_db()
    assert world.p1.business_start == dt.time(9, 0)
    assert world.p1.business_weekdays == "123456"
    assert world.p1.fee_model == "commission"
    assert world.p1.service_phone == "0571-88886666"
    event = AuditEvent.objects.get(action="places.project.updated", object_id=str(world.p1.pk))
    assert event.actor == world.manager
    assert event.changes["business_weekdays"] == ["12345", "123456"]


def test_edit_form_prefills_the_current_settings(login, world):
    form = login("manager").get(reverse("console:project-edit", args=[world.p1.pk])).context["form"]
    assert form.initial["business_weekdays"] == ["1", "2", "3", "4", "5"]


def test_business_hours_must_end_after_they_start(login, world):
    response = login("manager").post(
        reverse("console:project-edit", args=[world.p1.pk]),
        _edit_data(business_start="18:00", business_end="09:00"),
    )
    assert response.status_code == 200
    assert response.context["form"].errors["business_end"]
    world.p1.refresh_from_db()
    assert world.p1.business_start == dt.time(8, 30)


def test_missing_fields_show_field_errors(login, world):
    response = login("manager").post(
        reverse("console:project-edit", args=[world.p1.pk]),
        _edit_data(business_weekdays=[], fee_model="barter"),
    )
    errors = response.context["form"].errors
    assert set(errors) == {"business_weekdays", "fee_model"}
    assert 'class="field-error"' in response.content.decode()


def test_service_validation_error_lands_on_the_field(login, world):
    # a phone longer than the model allows is refused by the service's full_clean
    response = login("manager").post(
        reverse("console:project-edit", args=[world.p1.pk]), _edit_data(address="x" * 301)
    )
    assert "address" in response.context["form"].errors
