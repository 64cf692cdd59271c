from __future__ import annotations

from typing import Any

from django.db import models

from wuye.core import crypto


class EncryptedCharField(models.TextField):
    """Stores a Fernet token; Python code sees the plain value. Not searchable: pair it
    with a blind-index column when lookups are needed."""

    def from_db_value(self, value: Any, expression: Any, connection: Any) -> str:
        if not value:
            return ""
        return crypto.decrypt(value)

    def get_prep_value(self, value: Any) -> Any:
        value = super().get_prep_value(value)
        if not value:
            return ""
        return crypto.encrypt(value)
