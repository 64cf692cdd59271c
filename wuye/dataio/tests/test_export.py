"""Export: one row per current occupancy, masking, audited full personal data, formula safety."""

from __future__ import annotations

import io

import openpyxl
import pytest
from django.urls import reverse

from wuye.audit.models import AuditEvent
from wuye.dataio.cells import safe_cell
from wuye.dataio.models import ImportJobStatus
from wuye.dataio.services import import_job_submit
from wuye.places.models import Occupancy
from wuye.testing import factories as f

from .helpers import upload

pytestmark = pytest.mark.django_db

MALICIOUS = '=HYPERLINK("http://x","y")'


def sheet_of(response):
    content = b"".join(response.streaming_content)
    workbook = openpyxl.load_workbook(io.BytesIO(content))
    return workbook.worksheets[0]


def rows_of(response) -> list[dict]:
    sheet = sheet_of(response)
    values = list(sheet.iter_rows(values_only=True))
    return [dict(zip(values[0], r, strict=True)) for r in values[1:]]


@pytest.fixture
def malicious(world):
    occupant = f.OccupantFactory(project=world.p1, name=MALICIOUS, mobile="13912345678")
    f.OccupancyFactory(unit=world.u1, occupant=occupant, relation="tenant")
    return occupant


def test_export_lists_occupancies_and_vacant_units_with_masked_numbers(world, login, malicious):
    vacant = f.UnitFactory(building=world.b1, number="1-102")
    response = login("manager").get(reverse("dataio:export"), {"project": world.p1.pk})

    assert response.status_code == 200
    assert response["Content-Disposition"].startswith('attachment; filename="units-sunshine-')
    rows = rows_of(response)
    assert [(r["房号"], r["住户姓名"]) for r in rows] == [
        ("1-101", "张三"),
        ("1-101", "'" + MALICIOUS),
        (vacant.number, None),
    ]
    tenant = rows[1]
    assert tenant["手机号"] == "139****5678"
    assert tenant["身份证号"] == malicious.masked_id_number and "*" in tenant["身份证号"]
    assert (tenant["项目"], tenant["楼栋"], tenant["关系"], tenant["用途"]) == (
        "阳光新邸",
        "1幢",
        "租户",
        "住宅",
    )
    assert not AuditEvent.objects.filter(action="dataio.export.personal_data").exists()


def test_formula_text_is_stored_as_inert_text(world, login, malicious):
    sheet = sheet_of(login("manager").get(reverse("dataio:export"), {"project": world.p1.pk}))
    cell = next(
        c for row in sheet.iter_rows() for c in row if c.value and MALICIOUS in str(c.value)
    )
    assert cell.data_type == "s"
    assert cell.value == "'" + MALICIOUS


@pytest.mark.parametrize("text", ["=1+1", "+1", "-1", "@SUM(A1)", "\tx", "\rx"])
def test_every_formula_trigger_is_neutralised(text):
    assert safe_cell(text) == "'" + text
    assert safe_cell("张三") == "张三" and safe_cell(-1) == -1


def test_full_personal_data_needs_the_permission_and_is_audited(world, login, malicious):
    # Given the manager asks for full personal data (a POST from the export form)
    response = login("manager").post(
        reverse("dataio:export"), {"project": world.p1.pk, "include_personal_data": "on"}
    )

    # Then the numbers are complete and the export is recorded
    tenant = next(r for r in rows_of(response) if r["关系"] == "租户")
    assert (tenant["手机号"], tenant["身份证号"]) == ("13912345678", malicious.id_number)
    event = AuditEvent.objects.get(action="dataio.export.personal_data")
    assert (event.project_id, event.actor_id, event.changes["rows"]) == (
        world.p1.pk,
        world.manager.pk,
        [None, 2],
    )


def test_personal_data_cannot_be_requested_by_a_link(world, login, malicious):
    response = login("manager").get(
        reverse("dataio:export"), {"project": world.p1.pk, "include_personal_data": "on"}
    )
    tenant = next(r for r in rows_of(response) if r["关系"] == "租户")
    assert tenant["手机号"] == "139****5678"
    assert not AuditEvent.objects.filter(action="dataio.export.personal_data").exists()


def test_quality_may_export_but_not_full_personal_data(world, login):
    client = login("quality")
    assert client.get(reverse("dataio:export"), {"project": world.p1.pk}).status_code == 200
    response = client.post(
        reverse("dataio:export"), {"project": world.p1.pk, "include_personal_data": "on"}
    )
    assert response.status_code == 403


def test_export_scope(world, login):
    assert (
        login("manager2").get(reverse("dataio:export"), {"project": world.p1.pk}).status_code == 404
    )
    assert (
        login("manager2").get(reverse("dataio:export"), {"building": world.b1.pk}).status_code
        == 404
    )
    assert login("tech").get(reverse("dataio:export"), {"project": world.p1.pk}).status_code == 403
    # without a project filter each user gets their own projects only
    admin_rows = rows_of(login("admin").get(reverse("dataio:export")))
    assert {r["项目"] for r in admin_rows} == {"阳光新邸", "中心大厦"}
    manager2_rows = rows_of(login("manager2").get(reverse("dataio:export")))
    assert {r["项目"] for r in manager2_rows} == {"中心大厦"}


def test_export_filters_like_the_unit_list(world, login):
    f.UnitFactory(building=world.b1, number="1-999")
    client = login("manager")
    by_q = rows_of(client.get(reverse("dataio:export"), {"project": world.p1.pk, "q": "1111"}))
    assert [r["房号"] for r in by_q] == ["1-101"]  # phone tail of 张三
    other = f.BuildingFactory(project=world.p1, name="5幢")
    f.UnitFactory(building=other, number="5-1")
    by_building = rows_of(client.get(reverse("dataio:export"), {"building": other.pk}))
    assert [r["房号"] for r in by_building] == ["5-1"]


def test_a_full_export_imports_again_without_changes(world, login):
    # Given a project exported with full personal data
    client = login("manager")
    Occupancy.objects.update(start_date="2024-01-01")
    response = client.post(
        reverse("dataio:export"), {"project": world.p1.pk, "include_personal_data": "on"}
    )
    content = b"".join(response.streaming_content)

    # When that file is imported into the same project
    job = import_job_submit(actor=world.manager, project=world.p1, upload=upload(content))

    # Then nothing changes
    assert job.status == ImportJobStatus.DONE, job.errors
    assert job.counts["units"] == {"created": 0, "updated": 0, "unchanged": 1}
    assert job.counts["occupancies"] == {"created": 0, "updated": 0, "unchanged": 1}


def test_a_masked_export_cannot_overwrite_numbers(world, login):
    content = b"".join(
        login("manager").get(reverse("dataio:export"), {"project": world.p1.pk}).streaming_content
    )
    job = import_job_submit(actor=world.manager, project=world.p1, upload=upload(content))
    assert job.status == ImportJobStatus.FAILED
    assert {e["column"] for e in job.errors} == {"手机号", "身份证号"}


def test_export_query_count_does_not_grow_with_units(world, login, django_assert_num_queries):
    client = login("manager")
    client.get(reverse("dataio:export"), {"project": world.p1.pk})
    # session, user, scope, the chosen project, units, their current occupancies
    with django_assert_num_queries(6):
        b"".join(client.get(reverse("dataio:export"), {"project": world.p1.pk}).streaming_content)
    for i in range(20):
        unit = f.UnitFactory(building=world.b1, number=f"9-{i}")
        f.OccupancyFactory(
            unit=unit, occupant=f.OccupantFactory(project=world.p1), relation="owner"
        )
    with django_assert_num_queries(6):
        b"".join(client.get(reverse("dataio:export"), {"project": world.p1.pk}).streaming_content)
