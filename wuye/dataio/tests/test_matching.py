"""Which stored occupant a row means: by ID number, by name and mobile, or as the person of
that name who lives in the row's unit — so that an export with its phone and ID columns
emptied imports back without duplicates."""

from __future__ import annotations

import io

import openpyxl
import pytest

from wuye.dataio.exporter import units_export
from wuye.dataio.models import ImportJob, ImportJobStatus
from wuye.dataio.services import import_job_submit
from wuye.places.models import Occupancy, Occupant, Unit
from wuye.testing import factories as f

from .helpers import read_sheet, row, upload, workbook_bytes

pytestmark = pytest.mark.django_db

MALICIOUS = '=HYPERLINK("http://x","y")'


def submit(world, content: bytes) -> ImportJob:
    return import_job_submit(actor=world.manager, project=world.p1, upload=upload(content))


def export(world, *, full: bool = False) -> bytes:
    out = io.BytesIO()
    units_export(actor=world.manager, out=out, project_id=world.p1.pk, include_personal_data=full)
    return out.getvalue()


def blank_columns(content: bytes, *headers: str) -> bytes:
    """What a user does to a masked export: empty the phone and ID columns (masked numbers
    are refused on import)."""
    workbook = openpyxl.load_workbook(io.BytesIO(content))
    sheet = workbook.worksheets[0]
    positions = [i for i, cell in enumerate(sheet[1]) if cell.value in headers]
    for cells in sheet.iter_rows(min_row=2):
        for i in positions:
            cells[i].value = None
    buffer = io.BytesIO()
    workbook.save(buffer)
    return buffer.getvalue()


def unchanged(job: ImportJob, entity: str) -> bool:
    return job.counts[entity]["created"] == 0 and job.counts[entity]["updated"] == 0


@pytest.fixture
def estate(world):
    """A building whose occupants are identified in every possible way: ID and mobile,
    mobile only, nothing; one person in two units; a unit with an owner and a family member;
    two different people with the same name in different units; a vacant unit."""
    building = f.BuildingFactory(project=world.p1, name="7幢")
    units = [f.UnitFactory(building=building, number=f"7-{i:02d}") for i in range(1, 9)]
    with_id = f.OccupantFactory(project=world.p1, name="王芳")
    mobile_only = f.OccupantFactory(project=world.p1, name="李强", id_number="")
    nothing = f.OccupantFactory(project=world.p1, name="赵敏", mobile="", id_number="")
    twice = f.OccupantFactory(project=world.p1, name="周杰", id_number="")
    family = f.OccupantFactory(project=world.p1, name="周小杰", mobile="", id_number="")
    namesake_a = f.OccupantFactory(project=world.p1, name="张伟")
    namesake_b = f.OccupantFactory(project=world.p1, name="张伟", id_number="")
    for unit, occupant, relation in [
        (units[0], with_id, "owner"),
        (units[1], mobile_only, "tenant"),
        (units[2], nothing, "owner"),
        (units[3], twice, "owner"),
        (units[4], twice, "owner"),
        (units[4], family, "family"),
        (units[5], namesake_a, "owner"),
        (units[6], namesake_b, "owner"),
    ]:
        f.OccupancyFactory(unit=unit, occupant=occupant, relation=relation)
    # units[7] stays vacant
    return building


@pytest.mark.parametrize("full", [False, True])
def test_an_export_with_emptied_phone_and_id_columns_imports_without_duplicates(
    world, estate, full
):
    # Given an export whose phone and ID columns the user emptied (and areas fixed)
    occupants_before = Occupant.objects.count()
    occupancies_before = Occupancy.objects.filter(unit__project=world.p1).count()
    content = blank_columns(export(world, full=full), "手机号", "身份证号")

    # When it is imported into the same project
    job = submit(world, content)

    # Then no occupant or occupancy is created or changed
    assert job.status == ImportJobStatus.DONE, job.errors
    assert unchanged(job, "occupants") and unchanged(job, "occupancies"), job.counts
    assert job.counts["occupancies"]["unchanged"] == occupancies_before
    assert Occupant.objects.count() == occupants_before
    assert Occupancy.objects.filter(unit__project=world.p1).count() == occupancies_before
    # and the numbers the file left empty are kept
    assert Occupant.objects.get(name="李强").mobile
    assert all(o.mobile for o in Occupant.objects.filter(name="张伟"))


def test_a_new_name_in_a_unit_is_a_new_occupant(world, estate):
    # Given rows without phone or ID: one for a new person in a unit, one for a person of a
    # known name who does not live in that unit
    data = [
        row(
            1,
            楼栋="7幢",
            房号="7-01",
            住户姓名="新住户",
            关系="家庭成员",
            手机号=None,
            身份证号=None,
        ),
        row(2, 楼栋="7幢", 房号="7-08", 住户姓名="赵敏", 关系="租户", 手机号=None, 身份证号=None),
    ]
    job = submit(world, workbook_bytes(data))

    # Then both are new occupants: a name alone never reaches into another unit
    assert job.status == ImportJobStatus.DONE, job.errors
    assert job.counts["occupants"]["created"] == 2
    assert Occupant.objects.filter(name="赵敏").count() == 2
    newcomer = Occupancy.objects.get(occupant__name="新住户")
    assert (newcomer.unit.number, newcomer.relation) == ("7-01", "family")

    # And importing the same file again matches them in their units
    again = submit(world, workbook_bytes(data))
    assert unchanged(again, "occupants") and unchanged(again, "occupancies"), again.counts


@pytest.mark.parametrize(
    ("number", "name", "relation"),
    [("7-02", "李强", "租户"), ("7-03", "赵敏", "业主")],  # a different / no stored mobile
)
def test_a_new_mobile_for_the_one_person_of_that_name_in_the_unit_updates_them(
    world, estate, number, name, relation
):
    # Given a row with a new mobile (and no ID) for the one person of that name in the unit
    data = [
        row(
            1,
            楼栋="7幢",
            房号=number,
            住户姓名=name,
            关系=relation,
            手机号="13911112222",
            身份证号=None,
        )
    ]
    job = submit(world, workbook_bytes(data))

    # Then that person is updated, not duplicated: the file is the newer source
    assert job.status == ImportJobStatus.DONE, job.errors
    assert job.counts["occupants"] == {"created": 0, "updated": 1, "unchanged": 0}
    assert job.counts["occupancies"] == {"created": 0, "updated": 0, "unchanged": 1}
    assert Occupant.objects.get(name=name).mobile == "13911112222"
    assert unchanged(submit(world, workbook_bytes(data)), "occupants")


def test_an_id_number_completes_the_person_of_that_name_in_the_unit(world, estate):
    # Given a row that gives 李强 (no ID stored) an ID number but leaves the mobile empty
    data = [row(5, 楼栋="7幢", 房号="7-02", 住户姓名="李强", 关系="租户", 手机号=None)]
    job = submit(world, workbook_bytes(data))

    assert job.status == ImportJobStatus.DONE, job.errors
    assert job.counts["occupants"] == {"created": 0, "updated": 1, "unchanged": 0}
    occupant = Occupant.objects.get(name="李强")
    assert occupant.id_number and occupant.mobile  # the mobile is kept


def test_someone_named_by_their_number_elsewhere_in_the_file_is_not_taken_again(world, estate):
    # Given 周杰 (7-04 and 7-05) named by his mobile for 7-04, and a different mobile for a
    # 周杰 in 7-05
    twice = Occupant.objects.get(name="周杰")
    data = [
        row(1, 楼栋="7幢", 房号="7-04", 住户姓名="周杰", 手机号=twice.mobile, 身份证号=None),
        row(2, 楼栋="7幢", 房号="7-05", 住户姓名="周杰", 手机号="13922223333", 身份证号=None),
    ]
    job = submit(world, workbook_bytes(data))

    # Then the second is someone else: 周杰's mobile is not overwritten
    assert job.status == ImportJobStatus.DONE, job.errors
    twice.refresh_from_db()
    assert twice.mobile != "13922223333"
    assert Occupant.objects.filter(name="周杰").count() == 2


def test_two_people_of_the_same_name_in_one_unit_must_be_told_apart(world, estate):
    # Given a unit where two different 张伟 are owners
    unit = Unit.objects.get(number="7-06")
    f.OccupancyFactory(
        unit=unit, occupant=Occupant.objects.filter(name="张伟")[1], relation="owner"
    )
    occupants_before = Occupant.objects.count()

    # When a row names 张伟 of that unit without ID number or mobile
    data = [
        row(1, 楼栋="7幢", 房号="7-06", 住户姓名="张伟", 手机号=None, 身份证号=None),
        row(2, 楼栋="7幢", 房号="7-99"),
    ]
    job = submit(world, workbook_bytes(data))

    # Then the import is refused for that row and nothing is written
    assert job.status == ImportJobStatus.FAILED
    assert [(e["row"], e["column"]) for e in job.errors] == [(2, "住户姓名")]
    assert "张伟" in job.errors[0]["message"]
    assert job.event == "dataio.import.rejected"
    assert not job.file
    assert Occupant.objects.count() == occupants_before
    assert not Unit.objects.filter(number="7-99").exists()


def test_a_row_without_numbers_duplicating_another_of_the_unit_is_refused(world):
    data = [
        row(1),
        row(1, 手机号=None, 身份证号=None),  # the same 住户1, owner of 2-0001, once more
        row(1, 住户姓名="住户1", 手机号="13700000000", 身份证号=None),  # another 住户1: allowed
    ]
    job = submit(world, workbook_bytes(data))
    assert [(e["row"], e["column"]) for e in job.errors] == [(3, "住户姓名")]
    assert "2" in job.errors[0]["message"]  # "Duplicate of row 2"


def test_neutralised_text_survives_the_round_trip(world):
    # Given a unit numbered -1 whose tenant's name looks like a formula
    unit = f.UnitFactory(building=world.b1, number="-1", floor=-1)
    occupant = f.OccupantFactory(project=world.p1, name=MALICIOUS)
    f.OccupancyFactory(unit=unit, occupant=occupant, relation="tenant")
    units_before, occupants_before = Unit.objects.count(), Occupant.objects.count()
    content = export(world, full=True)
    sheet = read_sheet(content)
    header = list(sheet[0])
    exported = next(r for r in sheet if r[header.index("住户姓名")] == "'" + MALICIOUS)
    assert exported[header.index("房号")] == "'-1"

    # When the export is imported again
    job = submit(world, content)

    # Then the apostrophes are gone: the same unit and occupant, nothing changed
    assert job.status == ImportJobStatus.DONE, job.errors
    assert unchanged(job, "units") and unchanged(job, "occupants"), job.counts
    assert (Unit.objects.count(), Occupant.objects.count()) == (units_before, occupants_before)
    occupant.refresh_from_db()
    assert occupant.name == MALICIOUS

    # And it is stored as text and exported neutralised again
    again = read_sheet(export(world))
    assert "'" + MALICIOUS in [r[header.index("住户姓名")] for r in again]
    assert "'-1" in [r[header.index("房号")] for r in again]


def test_a_new_no_number_occupant_with_two_relations_is_one_person(world):
    data = [
        row(1, 住户姓名="老王", 手机号=None, 身份证号=None),
        row(1, 住户姓名="老王", 关系="客户联系人", 手机号=None, 身份证号=None),
    ]
    job = submit(world, workbook_bytes(data))
    assert job.status == ImportJobStatus.DONE, job.errors
    assert job.counts["occupants"]["created"] == 1
    assert job.counts["occupancies"]["created"] == 2
    again = submit(world, workbook_bytes(data))
    assert unchanged(again, "occupants") and unchanged(again, "occupancies")
