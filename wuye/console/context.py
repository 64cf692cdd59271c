"""Template context for every page: ``console`` gives the layout what it needs, lazily.

This processor runs for every template rendered with a request (the portal's too), so
nothing here touches the database until a template actually reads an attribute.
"""

from __future__ import annotations

from functools import cached_property
from typing import Any

from django.http import HttpRequest

from wuye.accounts.access import Capability, Scope, scope_for
from wuye.console.current import current_project, optional_url, request_projects
from wuye.places.models import Project


class ConsoleContext:
    def __init__(self, request: HttpRequest) -> None:
        self._request = request

    @cached_property
    def scope(self) -> Scope:
        return scope_for(self._request.user)

    @cached_property
    def projects(self) -> list[Project]:
        return request_projects(self._request)

    @cached_property
    def current_project(self) -> Project | None:
        return current_project(self._request)

    @cached_property
    def can_manage_staff(self) -> bool:
        return self.scope.can_anywhere(Capability.MANAGE_STAFF)

    @cached_property
    def dataio_url(self) -> str | None:
        """Link to data import/export, when that app is installed and the user may use it."""
        if not self.scope.can_anywhere(Capability.IMPORT_EXPORT):
            return None
        return optional_url("dataio:home")

    @cached_property
    def api_tokens_url(self) -> str | None:
        return optional_url("api:tokens")

    @cached_property
    def portal_url(self) -> str | None:
        return optional_url("portal:home")

    @cached_property
    def outbox_url(self) -> str | None:
        """Link to the outbox for staff who may read it (customer service and up)."""
        if not (self.scope.is_superuser or self.scope.can_anywhere(Capability.MANAGE_OUTREACH)):
            return None
        return optional_url("messaging:outbox")


def console(request: HttpRequest) -> dict[str, Any]:
    return {"console": ConsoleContext(request)}
