"""Access cases of the service-desk reports: the console page and its export, and the JSON
endpoints. Each is a "list": the manager of p1 sees p1's figures (its project name is in
every answer), users outside p1 get their own projects' figures (or the no-access page)
and never p1's."""

from __future__ import annotations

from tests.isolation_support import Case, api, url

_API = (
    "sla",
    "same_day",
    "return_visits",
    "rework",
    "complaints",
    "hotspots",
    "technicians",
    "overdue",
)

CASES: dict[str, Case] = {
    "desk:reports": Case("list", url("desk:reports")),
    "desk:reports-export": Case("list", url("desk:reports-export")),
    **{
        f"api-v1:report_{name}": Case(
            "list", api("reports/servicedesk/" + name.replace("_", "-")), api=True
        )
        for name in _API
    },
}
