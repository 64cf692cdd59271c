"""Resident pages: home, my units, unit detail, profile; scoping and query budgets."""

from __future__ import annotations

import datetime as dt

import pytest
from django.urls import reverse

from wuye.audit.models import AuditEvent
from wuye.places.models import Relation
from wuye.testing import factories as f
from wuye.testing.factories import PASSWORD


@pytest.fixture
def resident(client, world):
    client.force_login(world.resident)
    return client


@pytest.mark.parametrize(
    "url",
    [
        reverse("portal:home"),
        reverse("portal:units"),
        reverse("portal:profile"),
        reverse("portal:unit-detail", args=[1]),
    ],
)
def test_anonymous_visitors_are_sent_to_the_portal_login(client, db, url):
    response = client.get(url)
    assert response.status_code == 302
    assert response.url.startswith(reverse("portal:login") + "?next=")


def test_home_greets_and_shows_the_service_phone_and_real_tiles(resident, world):
    response = resident.get(reverse("portal:home"))

    html = response.content.decode()
    assert "您好，resident" in html
    assert "阳光新邸" in html and 'href="tel:0571-88880000"' in html
    assert "中心大厦" not in html  # not the resident's project
    for name in ("portal:units", "portal:profile"):
        assert f'href="{reverse(name)}"' in html


def test_my_units_lists_own_units_with_co_occupants_masked(
    resident, world, django_assert_num_queries
):
    # Given the resident's unit has a tenant, and the resident also rents a second unit
    f.OccupancyFactory(
        unit=world.u1,
        occupant=f.OccupantFactory(project=world.p1, name="王五", mobile="13612345678"),
        relation=Relation.TENANT,
    )
    second = f.UnitFactory(building=world.b1, number="2-202", building_area="120.00")
    f.OccupancyFactory(
        unit=second,
        occupant=world.occupant1,
        relation=Relation.TENANT,
        start_date=dt.date(2025, 5, 1),
    )

    with django_assert_num_queries(5):  # session, user, is_resident, occupancies, co-occupants
        response = resident.get(reverse("portal:units"))

    html = response.content.decode()
    assert "1-101" in html and "2-202" in html
    assert "9-909" not in html and "1201" not in html  # other residents' units
    assert "王五" in html and "136****5678" in html and "13612345678" not in html
    assert str(Relation.OWNER.label) in html and str(Relation.TENANT.label) in html
    assert "89.50" in html and "2024-01-01" in html
    assert [e.unit.number for e in response.context["entries"]] == ["1-101", "2-202"]


def test_unit_detail_shows_own_unit(resident, world):
    response = resident.get(reverse("portal:unit-detail", args=[world.u1.pk]))

    assert response.status_code == 200
    html = response.content.decode()
    assert "1幢 1-101" in html and "阳光新邸" in html


@pytest.mark.parametrize("unit", ["u2", "u3"])
def test_other_units_are_not_found(resident, world, unit):
    response = resident.get(reverse("portal:unit-detail", args=[getattr(world, unit).pk]))
    assert response.status_code == 404


def test_ended_occupancy_no_longer_opens_the_unit(resident, world):
    world.occupant1.occupancies.update(end_date=dt.date(2025, 1, 1))
    f.OccupancyFactory(
        unit=world.u2, occupant=f.OccupantFactory(project=world.p2, user=world.resident)
    )

    assert resident.get(reverse("portal:unit-detail", args=[world.u1.pk])).status_code == 404
    assert resident.get(reverse("portal:unit-detail", args=[world.u2.pk])).status_code == 200


def test_profile_shows_name_and_masked_mobile(resident, world):
    html = resident.get(reverse("portal:profile")).content.decode()
    assert "138****1111" in html and "13800001111" not in html


def test_profile_update_is_saved_and_audited(resident, world):
    response = resident.post(
        reverse("portal:profile"),
        {"action": "profile", "display_name": " 张三 ", "email": "zs@example.com"},
    )

    assert response.status_code == 302
    world.resident.refresh_from_db()
    assert (world.resident.display_name, world.resident.email) == ("张三", "zs@example.com")
    event = AuditEvent.objects.get(action="portal.profile.updated")
    assert event.changes["display_name"] == ["resident", "张三"]
    assert "个人资料已保存" in resident.get(reverse("portal:profile")).content.decode()


def test_profile_errors_are_shown_per_field(resident, world):
    response = resident.post(
        reverse("portal:profile"), {"action": "profile", "display_name": "  ", "email": "nope"}
    )

    assert response.status_code == 200
    errors = response.context["profile_form"].errors
    assert errors.keys() == {"display_name", "email"}
    html = response.content.decode()
    assert 'class="field field--error"' in html
    world.resident.refresh_from_db()
    assert world.resident.display_name == "resident"


def test_password_change_errors_are_shown_per_field(resident, world):
    response = resident.post(
        reverse("portal:profile"),
        {
            "action": "password",
            "old_password": "wrong",
            "new_password1": "abc",
            "new_password2": "abd",
        },
    )

    errors = response.context["password_form"].errors
    assert "old_password" in errors and "new_password2" in errors
    assert "旧密码不正确" in response.content.decode() or "old_password" in errors


def test_password_change_keeps_the_session_and_works_for_the_next_login(resident, world):
    response = resident.post(
        reverse("portal:profile"),
        {
            "action": "password",
            "old_password": PASSWORD,
            "new_password1": "Blue-Harbour-2026",
            "new_password2": "Blue-Harbour-2026",
        },
    )

    assert response.status_code == 302
    assert resident.get(reverse("portal:home")).status_code == 200  # still signed in
    world.resident.refresh_from_db()
    assert world.resident.check_password("Blue-Harbour-2026")
    assert AuditEvent.objects.filter(action="portal.password.changed").count() == 1
