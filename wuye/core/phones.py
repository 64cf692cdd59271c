from __future__ import annotations

import re

from django.core.exceptions import ValidationError
from django.utils.translation import gettext_lazy as _

_MOBILE = re.compile(r"^1[3-9]\d{9}$")


def normalize_phone(value: str) -> str:
    value = re.sub(r"[\s\-()]", "", value or "")
    if value.startswith("+86"):
        value = value[3:]
    return value


def validate_mobile(value: str) -> None:
    if not _MOBILE.match(normalize_phone(value)):
        raise ValidationError(
            _("Enter an 11-digit mainland mobile number starting with 1."), code="mobile"
        )


def validate_phone(value: str) -> None:
    """Mobile numbers or landlines (digits, 7–12 long after normalisation)."""
    number = normalize_phone(value)
    if not number.isdigit() or not 7 <= len(number) <= 12:
        raise ValidationError(_("Enter a phone number of 7 to 12 digits."), code="phone")
