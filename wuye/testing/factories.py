"""factory-boy factories shared by every app's tests."""

from __future__ import annotations

import datetime as dt
from decimal import Decimal
from typing import Any

import factory

from wuye.accounts.models import Membership, Role, User
from wuye.core.crypto import blind_index
from wuye.core.idcard import make_id_number
from wuye.places.models import (
    Building,
    Company,
    District,
    Occupancy,
    Occupant,
    Project,
    ProjectKind,
    Relation,
    Unit,
)

PASSWORD = "test-pass-9d8c7b"


class DistrictFactory(factory.django.DjangoModelFactory[District]):
    class Meta:
        model = District
        django_get_or_create = ("code",)

    name = factory.Sequence(lambda n: f"区{n}")
    code = factory.Sequence(lambda n: f"district-{n}")


class CompanyFactory(factory.django.DjangoModelFactory[Company]):
    class Meta:
        model = Company

    name = factory.Sequence(lambda n: f"物业公司{n}")
    code = factory.Sequence(lambda n: f"company-{n}")


class ProjectFactory(factory.django.DjangoModelFactory[Project]):
    class Meta:
        model = Project

    company = factory.SubFactory(CompanyFactory)
    name = factory.Sequence(lambda n: f"项目{n}")
    code = factory.Sequence(lambda n: f"project-{n}")
    kind = ProjectKind.RESIDENTIAL
    service_phone = "0571-88880000"


class BuildingFactory(factory.django.DjangoModelFactory[Building]):
    class Meta:
        model = Building

    project = factory.SubFactory(ProjectFactory)
    name = factory.Sequence(lambda n: f"{n}幢")
    floors = 18


class UnitFactory(factory.django.DjangoModelFactory[Unit]):
    class Meta:
        model = Unit

    building = factory.SubFactory(BuildingFactory)
    project = factory.SelfAttribute("building.project")
    number = factory.Sequence(lambda n: f"{n + 101}")
    floor = 1
    building_area = Decimal("89.50")


class OccupantFactory(factory.django.DjangoModelFactory[Occupant]):
    class Meta:
        model = Occupant

    project = factory.SubFactory(ProjectFactory)
    name = factory.Sequence(lambda n: f"住户{n}")
    mobile = factory.Sequence(lambda n: f"139{n:08d}")
    mobile_tail = factory.LazyAttribute(lambda o: o.mobile[-4:] if o.mobile else "")
    id_number = factory.Sequence(
        lambda n: make_id_number("330106", dt.date(1980, 1, 1) + dt.timedelta(days=n), n)
    )
    id_number_index = factory.LazyAttribute(
        lambda o: blind_index(o.id_number) if o.id_number else ""
    )


class OccupancyFactory(factory.django.DjangoModelFactory[Occupancy]):
    class Meta:
        model = Occupancy

    unit = factory.SubFactory(UnitFactory)
    occupant = factory.SubFactory(OccupantFactory, project=factory.SelfAttribute("..unit.project"))
    relation = Relation.OWNER
    start_date = dt.date(2024, 1, 1)


def _save_user(obj: User, create: bool, extracted: Any, **kwargs: Any) -> None:
    if create:
        obj.save()


class UserFactory(factory.django.DjangoModelFactory[User]):
    class Meta:
        model = User
        django_get_or_create = ("username",)
        skip_postgeneration_save = True

    username = factory.Sequence(lambda n: f"user{n}")
    display_name = factory.LazyAttribute(lambda u: u.username)
    password = factory.PostGenerationMethodCall("set_password", PASSWORD)
    _save = factory.PostGeneration(_save_user)


class MembershipFactory(factory.django.DjangoModelFactory[Membership]):
    class Meta:
        model = Membership

    user = factory.SubFactory(UserFactory)
    role = Role.PROJECT_MANAGER
