"""API v1, mounted at ``/api/v1/``: authentication, error handlers, routers, docs.

Authentication: ``Authorization: Bearer wy_…`` (tokens from ``wuye token USERNAME`` or the
token page), or the Django session so that the docs page's "Try it out" works for a
logged-in user (unsafe methods then need the CSRF token, which the docs page sends).
"""

from __future__ import annotations

from typing import TYPE_CHECKING

from ninja import NinjaAPI

from wuye.api import docs, errors
from wuye.api.auth import bearer, session
from wuye.api.routers import me, messages, notices, outreach, places, ticket_reports, tickets

if TYPE_CHECKING:
    from ninja.operation import Operation


class WuyeAPI(NinjaAPI):
    def get_openapi_operation_id(self, operation: Operation) -> str:
        # "list_units" rather than ninja's "wuye_api_routers_places_list_units".
        name: str = operation.view_func.__name__
        return name


api = WuyeAPI(
    title="Wuye API",
    version="1",
    description="Property-service management: projects, buildings, units and occupants.",
    auth=[bearer, session],
    docs=docs.LocalSwagger(),
    urls_namespace="api-v1",
)
errors.register(api)
api.add_router("", docs.router)
api.add_router("", places.router)
api.add_router("", me.router)
api.add_router("", tickets.router)
api.add_router("", ticket_reports.router)
api.add_router("", messages.router)
api.add_router("", notices.router)
api.add_router("", outreach.router)
