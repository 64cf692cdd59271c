"""Importing units and occupants: validation, all-or-nothing, upsert by natural keys, audit."""

from __future__ import annotations

import datetime as dt
import io
import time

import openpyxl
import pytest
from django.urls import reverse

from wuye.audit.models import AuditEvent
from wuye.core.crypto import blind_index
from wuye.core.masking import mask_id_number
from wuye.dataio.models import ImportJob, ImportJobStatus
from wuye.dataio.services import import_job_submit
from wuye.places.models import Building, Occupancy, Occupant, Unit

from .helpers import ENGLISH_HEADERS, HEADERS, id_number, row, rows, upload, workbook_bytes

pytestmark = pytest.mark.django_db


def submit(world, content: bytes, *, actor=None, project=None) -> ImportJob:
    return import_job_submit(
        actor=actor or world.manager, project=project or world.p1, upload=upload(content)
    )


def error_rows(job: ImportJob) -> set[int]:
    return {error["row"] for error in job.errors}


def test_template_round_trip_imports_1000_units(world, login):
    # Given the downloaded template filled with 1,000 rows below the header
    client = login("manager")
    template = client.get(reverse("dataio:template"))
    workbook = openpyxl.load_workbook(io.BytesIO(template.content))
    sheet = workbook.worksheets[0]
    sheet.delete_rows(2)  # the sample row
    for values in rows(1000):
        sheet.append(values)
    buffer = io.BytesIO()
    workbook.save(buffer)
    units_before = Unit.objects.filter(project=world.p1).count()

    # When the manager uploads it for p1
    started = time.perf_counter()
    response = client.post(
        reverse("dataio:import"), {"project": world.p1.pk, "file": upload(buffer.getvalue())}
    )
    elapsed = time.perf_counter() - started
    print(f"\nimported 1,000 rows through the upload view in {elapsed:.2f} s")

    # Then 1,000 units, occupants and occupancies exist and the job reports them
    job = ImportJob.objects.get()
    assert response.status_code == 302
    assert response["Location"] == reverse("dataio:job-detail", args=[job.pk])
    assert job.status == ImportJobStatus.DONE
    assert Unit.objects.filter(project=world.p1).count() == units_before + 1000
    assert Occupant.objects.filter(project=world.p1, name__startswith="住户").count() == 1000
    assert (
        Occupancy.objects.filter(unit__building__name="2幢", end_date__isnull=True).count() == 1000
    )
    assert job.counts["units"] == {"created": 1000, "updated": 0, "unchanged": 0}
    assert job.counts["buildings"] == {"created": 1, "updated": 0, "unchanged": 0}
    assert job.total_rows == 1000
    assert not job.file  # the upload (personal data) is not kept


def test_three_bad_rows_import_nothing_and_are_all_listed(world):
    # Given 30 rows where rows 5, 12 and 20 (as Excel numbers them) are wrong
    data = rows(30)
    data[3] = row(4, 手机号="12345")  # Excel row 5: not a phone number
    data[10] = row(11, 用途="宫殿")  # row 12: unknown use
    data[18] = row(19, 建筑面积="-3")  # row 20: area must be positive
    units_before, buildings_before = Unit.objects.count(), Building.objects.count()
    events_before = AuditEvent.objects.count()

    # When it is imported
    job = submit(world, workbook_bytes(data))

    # Then nothing is written and the errors name exactly those rows and columns
    assert job.status == ImportJobStatus.FAILED
    assert error_rows(job) == {5, 12, 20}
    assert {(e["row"], e["column"]) for e in job.errors} == {
        (5, "手机号"),
        (12, "用途"),
        (20, "建筑面积"),
    }
    assert all(e["message"] for e in job.errors)
    assert (Unit.objects.count(), Building.objects.count()) == (units_before, buildings_before)
    assert AuditEvent.objects.latest("id").action == "dataio.import.rejected"
    assert AuditEvent.objects.count() == events_before + 1


def _wrong_check_digit(number: str) -> str:
    return number[:-1] + ("1" if number[-1] != "1" else "2")


def test_every_kind_of_error_is_reported_with_row_and_column(world):
    data = [
        row(1, 楼栋=""),  # row 2: required
        row(2, 关系="邻居"),  # row 3: unknown relation
        row(3, 建筑面积="88.555"),  # row 4: three decimals
        row(4, 楼层="三"),  # row 5: not an integer
        row(5, 入住日期="去年"),  # row 6: not a date
        row(6, 身份证号=_wrong_check_digit(id_number(6))),  # row 7: bad check digit
        row(7),  # row 8: fine
        row(7),  # row 9: duplicate of row 8
        row(8, 住户姓名=""),  # row 10: occupant columns but no name
        row(9, 住户类型="公司"),  # row 11: unknown kind
        row(10, 房号="X" * 31),  # row 12: longer than the model allows
    ]
    job = submit(world, workbook_bytes(data))
    found = {(e["row"], e["column"]) for e in job.errors}
    assert found == {
        (2, "楼栋"),
        (3, "关系"),
        (4, "建筑面积"),
        (5, "楼层"),
        (6, "入住日期"),
        (7, "身份证号"),
        (9, "住户姓名"),
        (10, "住户姓名"),
        (11, "住户类型"),
        (12, "房号"),
    }
    assert Unit.objects.filter(building__name="2幢").count() == 0


def test_errors_of_one_row_are_listed_in_column_order(world):
    job = submit(world, workbook_bytes([row(1, 生日="昨天", 手机号="1", 用途="x", 楼栋="")]))
    assert [e["column"] for e in job.errors] == ["楼栋", "用途", "手机号", "生日"]


def test_missing_required_column_is_reported_on_the_header_row(world):
    headers = [h for h in HEADERS if h != "用途"]
    job = submit(
        world,
        workbook_bytes(
            [[v for h, v in zip(HEADERS, row(1), strict=True) if h != "用途"]], headers=headers
        ),
    )
    assert job.errors == [{"row": 1, "column": "用途", "message": job.errors[0]["message"]}]


def test_reimporting_the_same_file_changes_nothing(world):
    # Given a file imported once
    content = workbook_bytes(rows(50))
    first = submit(world, content)
    assert first.status == ImportJobStatus.DONE
    events_before = AuditEvent.objects.count()
    snapshot = list(Unit.objects.filter(project=world.p1).values().order_by("id"))

    # When the same file is imported again
    second = submit(world, content)

    # Then every record is unchanged and only the job's own audit event is new
    assert second.status == ImportJobStatus.DONE
    for entity in ("buildings", "units", "occupants", "occupancies"):
        assert second.counts[entity]["created"] == 0
        assert second.counts[entity]["updated"] == 0
    assert second.counts["units"]["unchanged"] == 50
    assert second.counts["occupancies"]["unchanged"] == 50
    assert AuditEvent.objects.count() == events_before + 1
    assert AuditEvent.objects.latest("id").action == "dataio.import.completed"
    assert list(Unit.objects.filter(project=world.p1).values().order_by("id")) == snapshot


def test_changed_rows_are_updated_and_audited_with_masked_personal_data(world):
    submit(world, workbook_bytes(rows(3)))
    changed = rows(3)
    changed[0] = row(1, 建筑面积="90.00", 住户姓名="新名字", 手机号="13912345678")

    job = submit(world, workbook_bytes(changed))

    assert job.counts["units"] == {"created": 0, "updated": 1, "unchanged": 2}
    assert job.counts["occupants"] == {"created": 0, "updated": 1, "unchanged": 2}
    occupant = Occupant.objects.get(id_number_index=blind_index(id_number(1)))
    assert (occupant.name, occupant.mobile, occupant.mobile_tail) == (
        "新名字",
        "13912345678",
        "5678",
    )
    event = AuditEvent.objects.get(action="places.occupant.updated", object_id=str(occupant.pk))
    assert event.changes["mobile"][1] == "139****5678"
    assert event.changes["name"] == [row(1)[5], "新名字"]
    assert event.project_id == world.p1.pk and event.actor_id == world.manager.pk


def test_created_occupants_get_derived_fields_and_masked_audit(world):
    job = submit(world, workbook_bytes(rows(2)))

    occupant = Occupant.objects.get(name="住户1")
    assert occupant.id_number == id_number(1)
    assert occupant.id_number_index == blind_index(id_number(1))
    assert occupant.mobile_tail == occupant.mobile[-4:]
    created = AuditEvent.objects.get(action="places.occupant.created", object_id=str(occupant.pk))
    assert created.changes["id_number"] == [None, mask_id_number(id_number(1))]
    assert id_number(1) not in str(created.changes)
    completed = AuditEvent.objects.get(action="dataio.import.completed")
    assert (completed.project_id, completed.actor_id, completed.object_id) == (
        world.p1.pk,
        world.manager.pk,
        str(job.pk),
    )
    assert completed.changes["units"] == [None, {"created": 2, "updated": 0, "unchanged": 0}]


def test_numbers_stored_as_excel_numbers_read_back_as_text(world):
    # Given mobiles typed into General-formatted cells (stored as int and float)
    data = [
        row(1, 手机号=13800001111),
        row(2, 手机号=13900002222.0, 身份证号=None),
        row(3, 楼栋=1, 房号=101),
    ]
    job = submit(world, workbook_bytes(data))

    assert job.status == ImportJobStatus.DONE, job.errors
    assert Occupant.objects.get(name="住户1").mobile == "13800001111"
    second = Occupant.objects.get(name="住户2")
    assert (second.mobile, second.mobile_tail) == ("13900002222", "2222")
    assert Unit.objects.filter(building__name="1", number="101").exists()


def test_numbers_corrupted_by_scientific_notation_are_refused(world):
    data = [
        row(1, 手机号=1.38e10),  # shown as 1.38E+10, saved: digits lost
        row(2, 身份证号=330106197001021234.0),  # 18 digits cannot survive as a number
        row(3, 手机号="1.38E+10"),  # the text of a CSV round trip
        row(4, 手机号=13800001111.5),
    ]
    job = submit(world, workbook_bytes(data))

    assert job.status == ImportJobStatus.FAILED
    assert {(e["row"], e["column"]) for e in job.errors} == {
        (2, "手机号"),
        (3, "身份证号"),
        (4, "手机号"),
        (5, "手机号"),
    }
    by_row = {e["row"]: e["message"] for e in job.errors}
    assert "1.38E+10" in by_row[2] and "1.38E+10" in by_row[4]
    assert "15" in by_row[3]


def test_english_headers_and_codes_are_accepted(world):
    data = [
        [
            "3幢",
            "3-101",
            3,
            "residence",
            75.5,
            "Li Lei",
            "person",
            "tenant",
            "13700001111",
            None,
            "2024-02-01",
            "1990/5/6",
        ],
        [
            "3幢",
            "3-102",
            3,
            "Parking space",
            None,
            "ACME Ltd",
            "Organisation",
            "Customer contact",
            None,
            None,
            None,
            None,
        ],
    ]
    job = submit(world, workbook_bytes(data, headers=ENGLISH_HEADERS))

    assert job.status == ImportJobStatus.DONE, job.errors
    occupancy = Occupancy.objects.select_related("occupant", "unit").get(unit__number="3-101")
    assert (occupancy.relation, occupancy.start_date) == ("tenant", dt.date(2024, 2, 1))
    assert occupancy.occupant.birthday == dt.date(1990, 5, 6)
    assert str(occupancy.unit.building_area) == "75.50"
    acme = Occupancy.objects.select_related("occupant", "unit").get(unit__number="3-102")
    assert (acme.unit.use, acme.occupant.kind, acme.relation) == (
        "parking",
        "organisation",
        "contact",
    )


def test_units_with_several_occupants_and_without_any(world):
    data = [
        row(1),
        row(1, 住户姓名="家属", 关系="家庭成员", 手机号=None, 身份证号=None),
        row(2, 住户姓名=None, 住户类型=None, 关系=None, 手机号=None, 身份证号=None, 入住日期=None),
    ]
    job = submit(world, workbook_bytes(data))

    assert job.status == ImportJobStatus.DONE, job.errors
    assert job.counts["units"]["created"] == 2
    assert Occupancy.objects.filter(unit__number="2-0001").count() == 2
    assert not Occupancy.objects.filter(unit__number="2-0002").exists()


def test_conflicting_values_for_one_unit_are_errors(world):
    data = [row(1), row(1, 住户姓名="家属", 关系="家庭成员", 身份证号=None, 建筑面积="70")]
    job = submit(world, workbook_bytes(data))
    assert {(e["row"], e["column"]) for e in job.errors} == {(3, "建筑面积")}


def test_an_id_number_completes_an_occupant_first_imported_without_one(world):
    submit(world, workbook_bytes([row(1, 身份证号=None)]))
    job = submit(world, workbook_bytes([row(1)]))

    assert job.counts["occupants"] == {"created": 0, "updated": 1, "unchanged": 0}
    occupant = Occupant.objects.get(name="住户1")
    assert occupant.id_number_index == blind_index(id_number(1))


def test_the_template_sample_row_is_refused(world, login):
    template = login("manager").get(reverse("dataio:template")).content
    job = submit(world, template)
    assert [(e["row"], e["column"]) for e in job.errors] == [(2, "住户姓名")]


def test_a_file_that_is_not_a_workbook_is_refused(world):
    job = submit(world, b"name,mobile\n")
    assert job.status == ImportJobStatus.FAILED
    assert job.error_count == 1 and job.errors[0]["row"] is None


def test_a_row_of_another_project_is_refused(world):
    headers = ["项目", *HEADERS]
    job = submit(
        world, workbook_bytes([["中心大厦", *row(1)], ["阳光新邸", *row(2)]], headers=headers)
    )
    assert [(e["row"], e["column"]) for e in job.errors] == [(2, "项目")]
