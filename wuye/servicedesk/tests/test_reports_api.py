"""``GET /api/v1/reports/servicedesk/...``: the report figures as JSON, checked against the
OpenAPI document, scoped like the page."""

from __future__ import annotations

import pytest
import time_machine
from django.test import Client

from wuye.accounts.tokens import token_authenticate, token_create
from wuye.api.tests.conftest import ApiClient
from wuye.servicedesk.tests.test_reports import NOW, _more, build_scenario

pytestmark = pytest.mark.django_db

REPORTS = (
    "sla",
    "same-day",
    "return-visits",
    "rework",
    "complaints",
    "hotspots",
    "technicians",
    "overdue",
)


@pytest.fixture
def api_as(world):
    def _make(name: str, language: str | None = None) -> ApiClient:
        _, secret = token_create(user=world.users[name], name="tests")
        token_authenticate(secret)
        return ApiClient(Client(), secret, language)

    return _make


@pytest.fixture
def scenario(world):
    with time_machine.travel(NOW, tick=False):
        yield build_scenario(world)


def _get(client: ApiClient, report: str, **params):
    response = client.get(f"/reports/servicedesk/{report}", params)
    assert response.status_code == 200, response.content
    return response.json()


def test_every_report_answers_with_its_filter(api_as, scenario):
    client = api_as("manager")
    for report in REPORTS:
        body = _get(client, report, period="this_month")
        assert body["filter"] == {
            "projects": [{"id": scenario.w.p1.pk, "name": "阳光新邸"}],
            "date_from": "2026-11-01",
            "date_to": "2026-11-30",
            "period": "this_month",
            "kind": None,
        }


def test_the_figures_are_the_pages(api_as, scenario):
    client = api_as("manager")
    sla = _get(client, "sla")
    assert sla["total"] == {"met": 12, "breached": 3, "rate": "80.0", "overdue_now": 4}
    assert sla["rows"][0]["kind"] == "response" and sla["rows"][0]["rate"] == "66.7"
    same_day = _get(client, "same-day")
    assert (same_day["met"], same_day["breached"], same_day["rate"]) == (2, 1, "66.7")
    (visits,) = _get(client, "return-visits")["rows"]
    assert visits["satisfaction_rate"] == "66.7" and visits["satisfaction_on_target"] is False
    assert visits["satisfaction_target"] == "85.00" and visits["average_rating"] == "3.50"
    rework = _get(client, "rework")
    assert (rework["finished"], rework["reworked"], rework["window_days"]) == (5, 0, [30])
    complaints = _get(client, "complaints")
    assert complaints["closure"]["average_hours"] == "48.0"
    assert complaints["month"] == "2026-11-01"
    hotspots = _get(client, "hotspots")
    assert hotspots["repeat_locations"][0] == {
        "project_name": "阳光新邸",
        "scope": "unit",
        "location": "1幢 1-101",
        "count": 4,
    }
    tech = _get(client, "technicians")["rows"][0]
    assert (tech["name"], tech["finished"], tech["fee_income"]) == ("tech", 3, "120.50")
    overdue = _get(client, "overdue", period="last_week", limit=3)
    assert overdue["total"] == 7 and len(overdue["rows"]) == 3
    assert overdue["rows"][0]["number"] == scenario.tickets.d.number
    assert overdue["rows"][0]["late_hours"] == "70.5"


def test_labels_follow_the_request_language(api_as, scenario):
    rows = _get(api_as("manager", language="en"), "sla")["rows"]
    assert rows[0]["label"] == "Response"


def test_filters_are_checked(api_as, scenario):
    client = api_as("manager")
    response = client.get(
        "/reports/servicedesk/sla", {"date_from": "2026-11-20", "date_to": "2026-11-01"}
    )
    assert response.status_code == 422
    assert "date_to" in response.json()["error"]["fields"]
    response = client.get("/reports/servicedesk/sla", {"kind": "nonsense"})
    assert response.status_code == 422
    response = client.get("/reports/servicedesk/sla", {"project": scenario.w.p2.pk})
    assert response.status_code == 404


def test_out_of_scope_projects_are_never_counted(api_as, scenario):
    body = _get(api_as("manager2"), "sla")
    assert body["filter"]["projects"] == [{"id": scenario.w.p2.pk, "name": "中心大厦"}]
    assert body["total"]["met"] == 4
    body = _get(api_as("outsider"), "overdue")
    assert body == {
        "filter": {
            "projects": [],
            "date_from": "2026-11-01",
            "date_to": "2026-11-30",
            "period": "this_month",
            "kind": None,
        },
        "rows": [],
        "total": 0,
    }
    assert _get(api_as("district"), "same-day")["rate"] == "66.7"


# token, scope, projects, then the report's own queries (see test_reports.REPORTS)
QUERIES = {
    "sla": 4,
    "same-day": 4,
    "return-visits": 5,
    "rework": 5,
    "complaints": 8,
    "hotspots": 7,
    "technicians": 7,
    "overdue": 5,
}


@pytest.mark.parametrize(("report", "queries"), QUERIES.items())
def test_each_endpoint_runs_a_fixed_number_of_queries(
    api_as, world, django_assert_num_queries, report, queries
):
    with time_machine.travel(NOW, tick=False):
        build_scenario(world)
        client = api_as("manager")
        with django_assert_num_queries(queries):
            _get(client, report)
        for _ in range(3):
            _more(world)
        client = api_as("manager")
        with django_assert_num_queries(queries):
            _get(client, report)
