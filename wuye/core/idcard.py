"""Chinese resident identity card numbers (GB 11643-1999): 18 characters, ISO 7064 MOD 11-2."""

from __future__ import annotations

import datetime as dt

from django.core.exceptions import ValidationError
from django.utils.translation import gettext_lazy as _

_WEIGHTS = (7, 9, 10, 5, 8, 4, 2, 1, 6, 3, 7, 9, 10, 5, 8, 4, 2)
_CHECK = "10X98765432"


def normalize_id_number(value: str) -> str:
    return value.strip().upper().replace(" ", "")


def id_check_digit(first17: str) -> str:
    total = sum(int(c) * w for c, w in zip(first17, _WEIGHTS, strict=True))
    return _CHECK[total % 11]


def validate_id_number(value: str) -> None:
    """Raise ``ValidationError`` unless ``value`` is a well-formed 18-character ID number."""
    number = normalize_id_number(value)
    if (
        len(number) != 18
        or not number[:17].isdigit()
        or not (number[17].isdigit() or number[17] == "X")
    ):
        raise ValidationError(
            _("An ID card number has 18 characters: 17 digits and a digit or X."), code="id_format"
        )
    try:
        dt.date(int(number[6:10]), int(number[10:12]), int(number[12:14]))
    except ValueError as exc:
        raise ValidationError(
            _("The birth date inside the ID card number is not a real date."), code="id_birthdate"
        ) from exc
    if id_check_digit(number[:17]) != number[17]:
        raise ValidationError(_("The ID card number's check digit is wrong."), code="id_checksum")


def make_id_number(region: str, birthday: dt.date, sequence: int) -> str:
    """Build a valid number (demo data and tests)."""
    first17 = f"{region}{birthday:%Y%m%d}{sequence % 1000:03d}"
    return first17 + id_check_digit(first17)
