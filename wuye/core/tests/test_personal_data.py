"""Masking, ID-card validation and encryption at rest."""

from __future__ import annotations

import datetime as dt

import pytest
from django.core.exceptions import ValidationError
from django.db import connection

from wuye.core.crypto import blind_index
from wuye.core.idcard import make_id_number, validate_id_number
from wuye.core.masking import mask_id_number, mask_phone


def test_phone_and_id_masks():
    assert mask_phone("13812345678") == "138****5678"
    assert mask_phone("88880000") == "****0000"
    assert mask_phone("") == ""
    assert mask_id_number("110101199003071234") == "1101**********1234"


@pytest.mark.parametrize("number", ["11010519491231002X", "440524188001010014"])
def test_valid_id_numbers_pass(number):
    validate_id_number(number)
    validate_id_number(number.lower())


@pytest.mark.parametrize(
    ("number", "code"),
    [
        ("110105194912310021", "id_checksum"),  # last digit should be X
        ("11010519491231002", "id_format"),
        ("1101051949123100AX", "id_format"),
        ("110105194902300021", "id_birthdate"),  # 30 February
    ],
)
def test_invalid_id_numbers_name_the_problem(number, code):
    with pytest.raises(ValidationError) as exc:
        validate_id_number(number)
    assert exc.value.code == code


def test_generated_numbers_are_valid():
    for seq in range(50):
        validate_id_number(make_id_number("330106", dt.date(1990, 3, 7), seq))


def test_id_number_is_encrypted_at_rest_and_findable_by_blind_index(world):
    occupant = world.occupant1
    with connection.cursor() as cursor:
        cursor.execute("SELECT id_number FROM places_occupant WHERE id = %s", [occupant.pk])
        (stored,) = cursor.fetchone()
    assert occupant.id_number not in stored
    assert occupant.id_number[-4:] not in stored
    occupant.refresh_from_db()
    validate_id_number(occupant.id_number)
    assert occupant.id_number_index == blind_index(occupant.id_number)
