"""The report page and its Excel export (``desk:reports``, ``desk:reports-export``)."""

from __future__ import annotations

import io
import re

import openpyxl
import pytest
import time_machine
from django.urls import reverse

from wuye.servicedesk.tests.test_reports import NOW, _more, build_scenario

pytestmark = pytest.mark.django_db

PAGE = "desk:reports"
EXPORT = "desk:reports-export"


@pytest.fixture
def at_now():
    with time_machine.travel(NOW, tick=False):
        yield


@pytest.fixture
def scenario(world, at_now):
    return build_scenario(world)


def _figure(html: str, name: str) -> str:
    match = re.search(rf'<span class="([^"]*)" data-figure="{name}">([^<]*)</span>', html)
    if match is None:
        match = re.search(rf'<span class="[^"]*" data-figure="{name}">([^<]*)</span>', html)
    assert match is not None, name
    return match.group(match.lastindex or 1).strip()


def _classes(html: str, name: str) -> str:
    match = re.search(rf'<span class="([^"]*)" data-figure="{name}">', html)
    assert match is not None, name
    return match.group(1)


def _workbook(response) -> openpyxl.Workbook:
    assert response["Content-Type"].startswith(
        "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"
    )
    content = b"".join(response.streaming_content)
    return openpyxl.load_workbook(io.BytesIO(content))


def _values(sheet) -> list[tuple]:
    return [tuple(row) for row in sheet.iter_rows(values_only=True)]


# --- the page --------------------------------------------------------------------------------


def test_the_manager_reads_every_report_of_the_month(login, scenario):
    response = login("manager").get(reverse(PAGE), {"period": "this_month"})
    assert response.status_code == 200
    html = response.content.decode()
    # the filters and the scope line
    assert "阳光新邸" in html and "2026-11-01 – 2026-11-30" in html
    # one section per report, each exportable
    for key in (
        "sla",
        "same-day",
        "return-visits",
        "rework",
        "complaints",
        "hotspots",
        "technicians",
        "overdue",
    ):
        assert f'id="{key}"' in html
        assert f"section={key}" in html
    assert _figure(html, "same-day-rate") == "66.7%"
    assert _figure(html, "rework-rate") == "0.0%"
    assert _figure(html, "closure-average").startswith("48.0")
    # satisfaction 66.7 % against the 85 % default target: coloured as missed
    assert _figure(html, "satisfaction") == "66.7%"
    assert "is-bad" in _classes(html, "satisfaction")
    # the overdue list names D with its location
    assert scenario.tickets.d.number in html and "1幢 大堂" in html
    # technicians with their fee income
    assert "120.50" in html


def test_a_target_met_is_coloured_as_met(login, scenario):
    from wuye.servicedesk.models import DeskSettings

    DeskSettings.objects.update_or_create(
        project=scenario.w.p1, defaults={"satisfaction_target": 60}
    )
    html = login("manager").get(reverse(PAGE)).content.decode()
    assert "is-good" in _classes(html, "satisfaction")


def test_changing_a_filter_swaps_the_body_in_place(login, scenario):
    client = login("manager")
    response = client.get(
        reverse(PAGE),
        {"period": "this_month", "kind": "complaint"},
        headers={"HX-Request": "true", "HX-Target": "report-body"},
    )
    assert response.status_code == 200
    html = response.content.decode()
    assert "<html" not in html and 'id="sla"' in html
    assert "Vary" in response and "HX-Request" in response["Vary"]
    # only complaints: no same-day repairs
    assert _figure(html, "same-day-rate") == "—"


def test_bad_dates_show_the_error(login, scenario):
    client = login("manager")
    params = {"period": "custom", "date_from": "2026-11-20", "date_to": "2026-11-01"}
    response = client.get(reverse(PAGE), params)
    assert response.status_code == 400
    assert 'class="field-error"' in response.content.decode()
    # an htmx swap gets the form back with its error (htmx swaps only 2xx answers)
    response = client.get(
        reverse(PAGE), params, headers={"HX-Request": "true", "HX-Target": "report-body"}
    )
    assert response.status_code == 200
    assert 'class="field-error"' in response.content.decode()


def test_custom_dates_and_the_last_week_preset(login, scenario):
    client = login("manager")
    html = client.get(
        reverse(PAGE), {"period": "custom", "date_from": "2026-11-25", "date_to": "2026-11-25"}
    ).content.decode()
    assert "2026-11-25 – 2026-11-25" in html
    html = client.get(reverse(PAGE), {"period": "last_week"}).content.decode()
    assert "2026-11-23 – 2026-11-29" in html


def test_a_district_supervisor_reads_but_does_not_export(login, scenario):
    client = login("district")
    response = client.get(reverse(PAGE))
    assert response.status_code == 200
    html = response.content.decode()
    assert "阳光新邸" in html and _figure(html, "same-day-rate") == "66.7%"
    assert reverse(EXPORT) not in html
    assert client.get(reverse(EXPORT)).status_code == 403


def test_another_projects_report_is_not_found(login, scenario):
    client = login("manager2")
    assert client.get(reverse(PAGE), {"project": scenario.w.p1.pk}).status_code == 404
    assert client.get(reverse(EXPORT), {"project": scenario.w.p1.pk}).status_code == 404
    html = client.get(reverse(PAGE)).content.decode()
    assert "阳光新邸" not in html and "中心大厦" in html
    assert scenario.tickets.d.number not in html


def test_the_page_in_english(login, scenario):
    client = login("manager")
    client.cookies["django_language"] = "en"
    html = client.get(reverse(PAGE)).content.decode()
    assert "Service-desk reports" in html and "SLA attainment" in html


def test_the_page_runs_a_fixed_number_of_queries(login, world, at_now, django_assert_num_queries):
    build_scenario(world)
    client = login("manager")
    url = reverse(PAGE)
    client.get(url)  # warm the session
    # session, user, scope, projects; desk settings; the reports: SLA 1, same day 1, visits 1,
    # rework 1, complaints 4, hot spots 4, technicians 3, overdue 2
    with django_assert_num_queries(22) as first:
        client.get(url)
    for _ in range(3):
        _more(world)
    with django_assert_num_queries(len(first.captured_queries)):
        response = client.get(url)
    assert response.status_code == 200


# --- export ----------------------------------------------------------------------------------


def test_export_has_one_sheet_per_report_with_chinese_headers(login, scenario):
    response = login("desk").get(reverse(EXPORT), {"period": "this_month"})
    assert response.status_code == 200
    assert (
        'filename="servicedesk-reports-sunshine-20261101-20261130.xlsx"'
        in (response["Content-Disposition"])
    )
    book = _workbook(response)
    assert len(book.worksheets) == 11  # filters + 8 reports (complaints and hot spots: 2 each)
    filters, sla, same_day, visits, rework = book.worksheets[:5]
    complaints, monthly, top, places, technicians, overdue = book.worksheets[5:]
    assert ("项目", "阳光新邸") in _values(filters)
    # SLA: headers in Chinese, figures as numbers
    assert _values(sla)[0][1:3] == ("达标", "超时")
    by_clock = {row[0]: row[1:] for row in _values(sla)[1:]}
    assert by_clock["合计"][:3] == (12, 3, 80)
    assert _values(same_day)[1][:3] == (2, 1, pytest.approx(66.7))
    assert _values(visits)[0][0] == "项目"
    assert _values(visits)[1][:3] == ("阳光新邸", 5, 3)
    assert _values(rework)[1][:2] == (5, 0)
    assert _values(complaints)[0][0] == "类别"
    assert ("噪音", 1) in _values(complaints)
    assert _values(monthly)[0][2:4] == ("2026-10", "2026-11")
    assert ("水电", 3, 0) in _values(top)
    assert ("阳光新邸", "1幢 1-101") == _values(places)[1][:2]
    assert _values(technicians)[0][0] == "维修师傅"
    tech = next(row for row in _values(technicians) if row[0] == "tech")
    assert tech[1] == 3 and tech[-1] == pytest.approx(120.5)
    rows = _values(overdue)[1:]
    assert len(rows) == 7
    assert rows[0][0] == scenario.tickets.d.number
    assert rows[0][4] == "1幢 大堂"


def test_export_in_english_when_the_ui_is_english(login, scenario):
    client = login("desk")
    client.cookies["django_language"] = "en"
    book = _workbook(client.get(reverse(EXPORT)))
    assert book.worksheets[1].title == "SLA attainment"
    assert _values(book.worksheets[1])[0][:3] == ("Clock", "Met", "Breached")
    assert _values(book.worksheets[3])[0][0] == "Project"


def test_one_section_exports_alone(login, scenario):
    response = login("manager").get(reverse(EXPORT), {"period": "this_month", "section": "overdue"})
    assert "servicedesk-overdue-sunshine" in response["Content-Disposition"]
    book = _workbook(response)
    assert len(book.worksheets) == 2  # filters and the overdue list
    assert len(_values(book.worksheets[1])) == 8
    assert login("manager").get(reverse(EXPORT), {"section": "nonsense"}).status_code == 404


def test_export_covers_only_projects_the_user_may_export(login, scenario, world):
    # the company admin exports both of their projects; a technician may not export at all
    book = _workbook(login("admin").get(reverse(EXPORT), {"project": ""}))
    (projects,) = [row for row in _values(book.worksheets[0]) if row[0] == "项目"]
    assert "阳光新邸" in projects[1] and "中心大厦" in projects[1]
    assert login("tech").get(reverse(EXPORT)).status_code == 403
