"""Domain errors: a stable machine code plus a translated message, raised by services."""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

if TYPE_CHECKING:
    from django_stubs_ext import StrOrPromise


class DomainError(Exception):
    code = "invalid"
    status = 400

    def __init__(
        self,
        message: StrOrPromise,
        *,
        code: str | None = None,
        field: str | None = None,
        params: dict[str, Any] | None = None,
    ) -> None:
        self.message = message
        if code:
            self.code = code
        self.field = field
        self.params = params or {}
        super().__init__(str(message))


class PermissionDenied(DomainError):
    code = "permission_denied"
    status = 403


class Conflict(DomainError):
    code = "conflict"
    status = 409
