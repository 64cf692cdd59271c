"""Reading spreadsheet cells into Python values, and writing values safely.

openpyxl hands back what Excel stored: a mobile number typed into a General-formatted
column arrives as an ``int`` (or a ``float`` such as ``13800001111.0``), an 18-digit ID
number as a float that has already lost its last digits, a unit number like ``1-101`` may
have become a date. The readers below turn what can be trusted into text and refuse the
rest with a reason the user can act on; they never guess.
"""

from __future__ import annotations

import datetime as dt
import math
import re
from decimal import Decimal, InvalidOperation

from django.utils.translation import gettext as _


class CellError(Exception):
    """A cell that cannot be read; ``message`` is translated and safe to show."""

    def __init__(self, message: str) -> None:
        self.message = message
        super().__init__(message)


# Excel keeps 15 significant digits: a whole number at or above this lost digits.
_EXACT_LIMIT = 10**15
_SCIENTIFIC = re.compile(r"^[+-]?\d+(?:\.\d+)?[eE][+-]?\d+$")
_INT = re.compile(r"^[+-]?\d+$")
_DATE = re.compile(r"^(\d{4})\s*[-/.年]\s*(\d{1,2})\s*[-/.月]\s*(\d{1,2})\s*日?(?:[ T].*)?$")
_COMPACT_DATE = re.compile(r"^(\d{4})(\d{2})(\d{2})$")
_AREA_UNITS = re.compile(r"\s*(?:㎡|m²|m2|平方米|平米)\s*$", re.IGNORECASE)


# A cell starting with one of these is run as a formula by spreadsheet programs
# (OWASP "CSV injection"); the export writes such text with a leading apostrophe.
FORMULA_TRIGGERS = ("=", "+", "-", "@", "\t", "\r")


def _neutralisable(text: str) -> bool:
    """Starts with a formula trigger, possibly after apostrophes: such text gets one more
    apostrophe on export and loses one on import, which makes the round trip lossless even
    for text that really starts with ``'-``."""
    return text.lstrip("'").startswith(FORMULA_TRIGGERS)


def _unneutralised(text: str) -> str:
    """Undo ``safe_cell``: ``'-1`` reads as ``-1``, ``''=x`` as ``'=x``; other apostrophes
    (``'101``, ``O'Neil``) are kept."""
    if text.startswith("'") and _neutralisable(text):
        return text[1:]
    return text


def _is_blank(value: object) -> bool:
    return value is None or (isinstance(value, str) and not value.strip())


def _scientific(number: int) -> str:
    digits = str(number)
    significant = digits.rstrip("0") or "0"
    mantissa = significant[0] + ("." + significant[1:] if len(significant) > 1 else "")
    return f"{mantissa}E+{len(digits) - 1}"


def _whole_number_text(value: int | float) -> str:
    if isinstance(value, float):
        if not math.isfinite(value) or not value.is_integer():
            raise CellError(
                _("Enter the number as text; a number with decimals is not valid here.")
            )
    number = int(value)
    if abs(number) >= _EXACT_LIMIT:
        raise CellError(
            _(
                "The number has more than 15 digits and Excel stored it as a number, so its last "
                "digits are lost. Format the column as text and enter the full number."
            )
        )
    digits = str(number)
    # Six or fewer significant digits followed by five or more zeros is what a number
    # shown as e.g. 1.38E+10 becomes once saved: the hidden digits are gone.
    if len(digits) >= 7 and len(digits) - len(digits.rstrip("0")) >= 5:
        raise CellError(
            _(
                "The number looks rounded by scientific notation (%(value)s): its last digits are "
                "lost. Format the column as text and enter the full number."
            )
            % {"value": _scientific(number)}
        )
    return digits


def read_number_text(value: object) -> str:
    """A phone or ID number as text, whether Excel stored text or a number."""
    if _is_blank(value):
        return ""
    if isinstance(value, bool) or isinstance(value, dt.date | dt.time):
        raise CellError(_("Enter the number as text."))
    if isinstance(value, int | float):
        return _whole_number_text(value)
    text = _unneutralised(str(value).strip())
    if _SCIENTIFIC.match(text):
        raise CellError(
            _(
                "The number is written in scientific notation (%(value)s) and its digits are lost. "
                "Format the column as text and enter the full number."
            )
            % {"value": text}
        )
    return text


def read_text(value: object) -> str:
    """A name or label. Whole numbers read as text (a building named 1 is "1")."""
    if _is_blank(value):
        return ""
    if isinstance(value, dt.datetime | dt.date | dt.time):
        raise CellError(
            _("Excel turned this value into a date. Format the column as text and enter it again.")
        )
    if isinstance(value, float):
        return str(int(value)) if value.is_integer() else format(value, ".15g")
    return _unneutralised(str(value).strip())


def read_int(value: object) -> int | None:
    if _is_blank(value):
        return None
    if isinstance(value, bool):
        raise CellError(_("Enter a whole number."))
    if isinstance(value, int):
        return value
    if isinstance(value, float) and value.is_integer():
        return int(value)
    text = _unneutralised(str(value).strip())
    if isinstance(value, str) and _INT.match(text):
        return int(text)
    raise CellError(_("Enter a whole number."))


def read_decimal(value: object) -> Decimal | None:
    """A positive amount with at most two decimal places, as ``Decimal`` (never float)."""
    if _is_blank(value):
        return None
    if isinstance(value, bool) or isinstance(value, dt.date | dt.time):
        raise CellError(_("Enter a number greater than 0 with at most 2 decimal places."))
    if isinstance(value, float):
        # 15 significant digits is Excel's precision; it drops binary noise like 0.30000000000000004.
        text = format(value, ".15g")
    else:
        text = _AREA_UNITS.sub("", str(value).strip()).replace(",", "")
    try:
        number = Decimal(text)
    except InvalidOperation:
        raise CellError(_("Enter a number greater than 0 with at most 2 decimal places.")) from None
    if not number.is_finite() or number <= 0 or number != number.quantize(Decimal("0.01")):
        raise CellError(_("Enter a number greater than 0 with at most 2 decimal places."))
    return number.quantize(Decimal("0.01"))


def _date(year: int, month: int, day: int) -> dt.date:
    try:
        date = dt.date(year, month, day)
    except ValueError:
        raise CellError(_("This date does not exist.")) from None
    if not 1900 <= date.year <= 2100:
        raise CellError(_("Enter a date between 1900 and 2100."))
    return date


def read_date(value: object) -> dt.date | None:
    """Dates stored as dates, or written as 2024-01-31, 2024/1/31, 2024.1.31, 20240131 or
    2024年1月31日. Bare serial numbers are refused: they are ambiguous."""
    if _is_blank(value):
        return None
    if isinstance(value, dt.datetime):
        return _date(value.year, value.month, value.day)
    if isinstance(value, dt.date):
        return _date(value.year, value.month, value.day)
    text = str(value).strip()
    if isinstance(value, int | str) and not isinstance(value, bool):
        match = _DATE.match(text) or _COMPACT_DATE.match(text)
        if match:
            return _date(*(int(part) for part in match.groups()))
    raise CellError(_("Enter a date such as 2024-01-31."))


# --- writing -------------------------------------------------------------------------------


def safe_cell(value: object) -> object:
    """Neutralise formula injection in text (a leading apostrophe keeps it inert text; the
    readers above drop it again); other values pass through unchanged."""
    if isinstance(value, str) and _neutralisable(value):
        return "'" + value
    return value
