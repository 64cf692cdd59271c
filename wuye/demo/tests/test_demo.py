"""``wuye demo``: the designed world loads, quickly, once, with the right logins."""

from __future__ import annotations

import io
import time
from decimal import Decimal

import pytest
from django.contrib.auth import authenticate
from django.core.management import CommandError, call_command
from django.db import connection

from wuye.accounts.access import resident_units, visible_projects
from wuye.accounts.models import PROJECT_ROLES, Department, Membership, Role, User
from wuye.core.crypto import blind_index
from wuye.core.idcard import validate_id_number
from wuye.demo.data.plan import SUNSHINE_RESIDENT_UNIT, SUNSHINE_VACANT, build_plan
from wuye.demo.services import demo_load
from wuye.places.models import (
    Building,
    Company,
    District,
    FeeModel,
    Occupancy,
    Occupant,
    OccupantKind,
    Project,
    ProjectKind,
    Relation,
    Unit,
    UnitUse,
)

MODELS = (
    District,
    Company,
    Project,
    Building,
    Unit,
    Occupant,
    Occupancy,
    User,
    Membership,
    Department,
)


@pytest.fixture
def demo(db):
    # The service desk's tickets have their own module (test_demo_tickets.py): loading them
    # takes seconds, which these tests of places and people do not need to pay each time.
    return demo_load(tickets=False)


def counts() -> dict[str, int]:
    return {m.__name__: m.objects.count() for m in MODELS}


def test_demo_creates_the_designed_companies_and_projects(demo):
    wanjia = Company.objects.get(code="wanjia")
    assert wanjia.name == "杭州万家物业服务有限公司"
    projects = {p.code: p for p in Project.objects.filter(company=wanjia)}
    assert set(projects) == {"meizhou", "sunshine", "tower"}
    assert {p.district.code for p in projects.values()} == {"xihu"}
    assert projects["sunshine"].kind == ProjectKind.RESIDENTIAL
    assert projects["sunshine"].fee_model == FeeModel.FIXED
    assert projects["tower"].kind == ProjectKind.OFFICE
    assert projects["tower"].fee_model == FeeModel.COMMISSION
    assert projects["meizhou"].kind == ProjectKind.SALES_CENTRE
    assert all(p.service_phone and p.address for p in projects.values())
    assert str(projects["sunshine"].business_start) == "08:30:00"
    assert projects["sunshine"].business_weekdays == "12345"
    assert list(Project.objects.filter(company__code="anju").values_list("code", flat=True)) == [
        "cuiyuan"
    ]
    assert set(Department.objects.filter(company=wanjia).values_list("name", flat=True)) == {
        "客服部",
        "工程部",
        "秩序部",
        "环境部",
        "品质部",
    }


def test_sunshine_has_owners_tenants_family_history_and_vacant_units(demo):
    units = Unit.objects.filter(project__code="sunshine")
    assert Building.objects.filter(project__code="sunshine").count() == 6
    assert units.count() == 306
    current = Occupancy.objects.filter(unit__project__code="sunshine", end_date__isnull=True)
    occupied = set(current.values_list("unit_id", flat=True))
    assert units.count() - len(occupied) == SUNSHINE_VACANT
    relations = set(current.values_list("relation", flat=True))
    assert relations == {Relation.OWNER, Relation.TENANT, Relation.FAMILY}
    assert (
        Occupancy.objects.filter(unit__project__code="sunshine", end_date__isnull=False).count()
        > 20
    )
    assert current.filter(relation=Relation.OWNER).count() == len(
        occupied
    )  # one owner per lived-in unit
    assert units.filter(building_area=Decimal("118.72")).exists()


def test_occupants_match_the_plan_with_derived_fields_set(demo):
    plan = build_plan()
    for project_plan in plan.projects:
        stored = Occupant.objects.filter(project__code=project_plan.code)
        assert stored.count() == len(project_plan.occupants)
        assert Occupancy.objects.filter(unit__project__code=project_plan.code).count() == len(
            project_plan.occupancies
        )
        assert Unit.objects.filter(project__code=project_plan.code).count() == len(
            project_plan.units
        )
    people = Occupant.objects.filter(kind=OccupantKind.PERSON)
    for person in people:
        validate_id_number(person.id_number)  # decrypted and well-formed
        assert person.id_number_index == blind_index(person.id_number)
        assert person.mobile_tail == person.mobile[-4:]
        assert person.birthday.strftime("%Y%m%d") == person.id_number[6:14]
    assert people.exclude(interests=[]).count() > people.count() // 2
    assert {"书法", "广场舞", "太极"} <= {i for p in people for i in p.interests}


def test_id_numbers_are_encrypted_at_rest(demo):
    occupant = Occupant.objects.filter(kind=OccupantKind.PERSON).first()
    with connection.cursor() as cursor:
        cursor.execute("SELECT id_number FROM places_occupant WHERE id = %s", [occupant.pk])
        (stored,) = cursor.fetchone()
    assert stored != occupant.id_number
    assert stored.startswith("gAAAA")  # a Fernet token


def test_office_customers_are_organisations_with_a_contact(demo):
    tenants = Occupant.objects.filter(
        project__code="tower", occupancies__relation=Relation.TENANT
    ).distinct()
    assert tenants.count() > 20
    assert all(t.kind == OccupantKind.ORGANISATION and t.contact_name and t.mobile for t in tenants)
    owner_units = Occupancy.objects.filter(
        unit__project__code="tower", relation=Relation.OWNER, end_date__isnull=True
    )
    assert owner_units.count() == Unit.objects.filter(project__code="tower").count()


def test_the_villa_community_has_a_sales_centre_and_villas(demo):
    buildings = set(Building.objects.filter(project__code="meizhou").values_list("name", flat=True))
    assert "售楼处" in buildings
    villas = Unit.objects.filter(project__code="meizhou", use=UnitUse.VILLA)
    assert villas.count() == 20
    assert Occupancy.objects.filter(unit__in=villas, relation=Relation.OWNER).count() == 9


def test_running_the_demo_twice_creates_and_changes_nothing(demo):
    before = counts()
    stamps = dict(Occupant.objects.values_list("id", "updated_at"))

    again = demo_load(tickets=False)

    assert again.created_total == 0
    assert counts() == before
    assert dict(Occupant.objects.values_list("id", "updated_at")) == stamps


def test_demo_loads_fast(db):
    started = time.monotonic()
    result = demo_load(tickets=False)
    assert time.monotonic() - started < 10
    assert result.created["occupant"] > 700


DESIGNED_SCOPES = {
    "admin": {"meizhou", "sunshine", "tower"},
    "manager": {"sunshine"},
    "desk": {"sunshine"},
    "tech": {"sunshine"},
    "guard": {"sunshine"},
    "cleaner": {"sunshine"},
    "quality": {"sunshine"},
    "manager2": {"tower"},
    "tower_desk": {"tower"},
    "meizhou_manager": {"meizhou"},
    "meizhou_quality": {"meizhou"},
    "admin2": {"cuiyuan"},
    "district": {"meizhou", "sunshine", "tower"},
    "resident": set(),
}


def test_each_demo_login_sees_its_designed_scope(demo):
    # One test over the table rather than a parametrised one: loading the demo is the cost.
    for username, expected in DESIGNED_SCOPES.items():
        user = User.objects.get(username=username)
        assert user.display_name, username
        assert set(visible_projects(user).values_list("code", flat=True)) == expected, username
    logins = {login.username for login in demo.logins}
    assert set(DESIGNED_SCOPES) <= logins


def test_every_project_of_company_a_has_a_user_for_every_project_role(demo):
    for code in ("meizhou", "sunshine", "tower"):
        roles = Membership.objects.filter(project__code=code).values_list("role", flat=True)
        assert set(roles) == {r.value for r in PROJECT_ROLES}, code
    staff = Membership.objects.filter(project__code="sunshine").exclude(role=Role.PROJECT_MANAGER)
    assert all(m.department and m.department.company.code == "wanjia" for m in staff)


def test_the_resident_is_an_owner_linked_by_user_and_mobile(demo):
    resident = User.objects.get(username="resident")
    occupant = Occupant.objects.get(user=resident)
    assert occupant.mobile == resident.mobile
    assert [u.number for u in resident_units(resident)] == [SUNSHINE_RESIDENT_UNIT]
    assert occupant.occupancies.get().relation == Relation.OWNER


def test_demo_users_log_in_with_the_demo_password(demo, settings):
    assert authenticate(username="desk", password=settings.WUYE_DEMO_PASSWORD) is not None
    assert authenticate(username="desk", password="wrong") is None


def test_reset_passwords_sets_the_demo_password_again(demo, settings):
    desk = User.objects.get(username="desk")
    desk.set_password("changed-by-the-user-9")
    desk.save()

    demo_load(tickets=False)
    assert authenticate(username="desk", password=settings.WUYE_DEMO_PASSWORD) is None

    result = demo_load(reset_passwords=True, tickets=False)
    assert result.passwords_set == 28
    assert authenticate(username="desk", password=settings.WUYE_DEMO_PASSWORD) is not None


def test_command_prints_the_logins_and_the_password(db, settings):
    out = io.StringIO()
    call_command("demo", "--no-tickets", stdout=out)
    text = out.getvalue()
    assert "created" in text
    for username in ("admin", "manager2", "admin2", "district", "resident", "meizhou_desk"):
        assert f"\n{username} " in text
    assert settings.WUYE_DEMO_PASSWORD in text

    out = io.StringIO()
    call_command("demo", "--no-tickets", stdout=out)
    assert "nothing created" in out.getvalue()


def test_command_refuses_production_without_force(db, settings):
    settings.PRODUCTION = True
    with pytest.raises(CommandError, match="production"):
        call_command("demo", stdout=io.StringIO())
    assert not Company.objects.exists()
