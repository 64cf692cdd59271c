"""The benchmark seeder: valid, derived-consistent data; idempotent re-runs."""

from __future__ import annotations

import pytest
from django.core.management import call_command
from django.db import connection

from wuye.accounts.access import Capability, scope_for
from wuye.accounts.models import ApiToken, Role
from wuye.accounts.tokens import token_authenticate
from wuye.core.crypto import blind_index
from wuye.core.idcard import validate_id_number
from wuye.demo.seed import seed_units
from wuye.places.models import Building, Occupancy, Occupant, Unit
from wuye.places.selectors import unit_list

pytestmark = pytest.mark.django_db


def test_seed_creates_units_with_one_valid_owner_each():
    # when 500 units are seeded
    result = seed_units(units=500)
    # then there are 3 buildings of up to 200 units, and every unit has exactly one owner
    project = result.project
    assert result.units_created == 500
    assert Unit.objects.filter(project=project).count() == 500
    assert Building.objects.filter(project=project).count() == 3
    assert (
        Occupancy.objects.filter(unit__project=project, relation="owner", end_date=None).count()
        == 500
    )
    assert Occupancy.objects.values("unit").distinct().count() == 500
    # and personal data is stored as the services would store it
    occupants = list(Occupant.objects.filter(project=project))
    assert len({o.mobile for o in occupants}) == 500
    for occupant in occupants[:50]:
        validate_id_number(occupant.id_number)  # decrypts to a valid number
        assert occupant.mobile_tail == occupant.mobile[-4:]
        assert occupant.id_number_index == blind_index(occupant.id_number)
        assert occupant.birthday.strftime("%Y%m%d") == occupant.id_number[6:14]


def test_id_numbers_are_encrypted_at_rest():
    seed_units(units=10)
    with connection.cursor() as cursor:
        cursor.execute(f"SELECT id_number FROM {Occupant._meta.db_table}")
        stored = [row[0] for row in cursor.fetchall()]
    assert stored and all(not value[:6].isdigit() for value in stored)


def test_the_bench_user_manages_the_project_and_has_a_working_token():
    result = seed_units(units=20)
    assert result.token_secret
    assert token_authenticate(result.token_secret) == result.user
    scope = scope_for(result.user)
    assert scope.can(result.project.pk, Capability.MANAGE_PLACES)
    assert result.user.memberships.get().role == Role.PROJECT_MANAGER
    # and the phone-tail search used by the desk finds seeded owners
    tail = Occupant.objects.filter(project=result.project).first().mobile_tail
    assert unit_list(user=result.user, project_id=result.project.pk, q=tail).exists()


def test_rerunning_with_the_same_n_does_nothing_and_a_larger_n_tops_up(capsys):
    call_command("seed", "--units", "300")
    first = capsys.readouterr().out
    assert "300 created" in first and "API token (shown once)" in first
    counts = (
        Unit.objects.count(),
        Occupant.objects.count(),
        Occupancy.objects.count(),
        ApiToken.objects.count(),
    )

    call_command("seed", "--units", "300")
    second = capsys.readouterr().out
    assert "0 created" in second and "API token" not in second
    assert counts == (
        Unit.objects.count(),
        Occupant.objects.count(),
        Occupancy.objects.count(),
        ApiToken.objects.count(),
    )

    call_command("seed", "--units", "450")
    assert "150 created" in capsys.readouterr().out
    assert Unit.objects.count() == 450 and Occupancy.objects.count() == 450
    assert Building.objects.count() == 3


def test_a_second_project_code_is_separate():
    seed_units(units=5)
    other = seed_units(units=7, project_code="bench2")
    assert Unit.objects.filter(project=other.project).count() == 7
    assert Unit.objects.count() == 12
