"""Pages: access policy per user, progress polling, query budgets."""

from __future__ import annotations

import io

import openpyxl
import pytest
from django.urls import reverse

from wuye.dataio.models import ImportJob, ImportJobStatus
from wuye.places.models import Unit

from .helpers import rows, upload, workbook_bytes

pytestmark = pytest.mark.django_db


def make_job(world, project=None, **fields) -> ImportJob:
    defaults = {
        "project": project or world.p1,
        "created_by": world.manager,
        "original_name": "u.xlsx",
        "status": ImportJobStatus.DONE,
    }
    return ImportJob.objects.create(**{**defaults, **fields})


# --- access policy ------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("name", "status"),
    [
        ("manager", 200),
        ("desk", 200),
        ("quality", 200),
        ("admin", 200),
        ("manager2", 200),
        ("tech", 403),
        ("guard", 403),
        ("district", 403),
        ("resident", 403),
        ("outsider", 403),
    ],
)
def test_home_is_for_users_who_may_import_somewhere(world, login, name, status):
    assert login(name).get(reverse("dataio:home")).status_code == status


def test_anonymous_users_are_sent_to_log_in(client, world):
    for url in (reverse("dataio:home"), reverse("dataio:template"), reverse("dataio:job-list")):
        response = client.get(url)
        assert response.status_code == 302 and "/accounts/" in response["Location"]


def test_import_into_another_project_is_404_and_without_capability_403(world, login):
    content = workbook_bytes(rows(2))
    # manager2 runs p2 only: p1 does not exist for them
    response = login("manager2").post(
        reverse("dataio:import"), {"project": world.p1.pk, "file": upload(content)}
    )
    assert response.status_code == 404
    # tech sees p1 but may not import
    response = login("tech").post(
        reverse("dataio:import"), {"project": world.p1.pk, "file": upload(content)}
    )
    assert response.status_code == 403
    assert not ImportJob.objects.exists()
    assert not Unit.objects.filter(building__name="2幢").exists()


def test_job_detail_is_404_outside_scope_and_403_without_capability(world, login):
    job = make_job(world)
    url = reverse("dataio:job-detail", args=[job.pk])
    assert login("manager2").get(url).status_code == 404
    assert login("admin_b").get(url).status_code == 404
    assert login("tech").get(url).status_code == 403
    assert login("desk").get(url).status_code == 200
    assert (
        login("manager").get(reverse("dataio:job-detail", args=[job.pk + 1000])).status_code == 404
    )


def test_job_list_shows_only_jobs_of_the_users_projects(world, login):
    make_job(world, original_name="p1-file.xlsx")
    make_job(world, project=world.p2, created_by=world.manager2, original_name="p2-file.xlsx")
    page = login("manager2").get(reverse("dataio:job-list")).content.decode()
    assert "p2-file.xlsx" in page and "p1-file.xlsx" not in page
    assert (
        login("manager2").get(reverse("dataio:job-list"), {"project": world.p1.pk}).status_code
        == 404
    )


def test_upload_form_errors_are_shown_on_the_page(world, login):
    response = login("manager").post(
        reverse("dataio:import"), {"project": world.p1.pk, "file": upload(b"x", name="units.csv")}
    )
    assert response.status_code == 400
    assert ".xlsx" in response.content.decode()


# --- the template ---------------------------------------------------------------------------------


def test_template_has_headers_text_columns_dropdowns_and_instructions(world, login):
    response = login("quality").get(reverse("dataio:template"))
    assert response.status_code == 200
    assert response["Content-Disposition"].startswith("attachment;")
    workbook = openpyxl.load_workbook(io.BytesIO(response.content))
    sheet = workbook.worksheets[0]
    headers = [c.value for c in sheet[1]]
    assert headers == [
        "楼栋",
        "房号",
        "楼层",
        "用途",
        "建筑面积",
        "住户姓名",
        "住户类型",
        "关系",
        "手机号",
        "身份证号",
        "入住日期",
        "生日",
    ]
    assert sheet["I2"].number_format == "@" and sheet["J2"].number_format == "@"
    assert sheet.column_dimensions["I"].number_format == "@"
    assert isinstance(sheet["I2"].value, str) and isinstance(sheet["J2"].value, str)
    ranges = {str(v.sqref).split(":")[0]: v.formula1 for v in sheet.data_validations.dataValidation}
    assert ranges["D2"] == '"住宅,别墅,办公,商铺,车位,储藏室,其他"'
    assert ranges["G2"] == '"个人,单位"'
    assert ranges["H2"] == '"业主,租户,家庭成员,客户联系人"'
    assert len(workbook.worksheets) == 2
    instructions = " ".join(
        str(v) for r in workbook.worksheets[1].iter_rows(values_only=True) for v in r if v
    )
    assert "身份证号" in instructions and "1.38E+10" in instructions
    assert "'-1" in instructions  # the apostrophe rule


def test_template_needs_the_capability(world, login):
    assert login("tech").get(reverse("dataio:template")).status_code == 403


# --- progress ------------------------------------------------------------------------------------


def test_running_job_polls_every_second_and_finished_job_stops(world, login):
    client = login("manager")
    running = make_job(
        world, status=ImportJobStatus.VALIDATING, total_rows=4000, processed_rows=1000
    )
    response = client.get(reverse("dataio:job-detail", args=[running.pk]), HTTP_HX_REQUEST="true")
    body = response.content.decode()
    assert 'hx-trigger="every 1s"' in body
    assert f'hx-get="{reverse("dataio:job-detail", args=[running.pk])}"' in body
    assert 'value="25"' in body  # 1,000 of 4,000 rows checked
    assert "<html" not in body  # the fragment only
    assert "HX-Request" in response["Vary"]

    done = make_job(
        world, counts={"units": {"created": 7, "updated": 0, "unchanged": 0}}, total_rows=7
    )
    body = client.get(
        reverse("dataio:job-detail", args=[done.pk]), HTTP_HX_REQUEST="true"
    ).content.decode()
    assert "hx-trigger" not in body and ">7<" in body


def test_failed_job_shows_the_full_error_table(world, login):
    errors = [
        {"row": 5, "column": "手机号", "message": "坏号码"},
        {"row": 9, "column": "用途", "message": "未知"},
    ]
    job = make_job(world, status=ImportJobStatus.FAILED, errors=errors, error_count=2)
    body = login("manager").get(reverse("dataio:job-detail", args=[job.pk])).content.decode()
    assert "坏号码" in body and "未知" in body and '<td class="num">9</td>' in body


def test_upload_of_a_small_file_redirects_to_its_finished_job(world, login):
    client = login("manager")
    response = client.post(
        reverse("dataio:import"),
        {"project": world.p1.pk, "file": upload(workbook_bytes(rows(3)))},
        follow=True,
    )
    assert response.status_code == 200
    assert response.context["job"].status == ImportJobStatus.DONE
    assert 'hx-trigger="every 1s"' not in response.content.decode()  # the job stopped polling


def test_reasons_are_written_in_the_uploaders_language(world, login, settings):
    client = login("manager")
    client.cookies[settings.LANGUAGE_COOKIE_NAME] = "en"
    bad = rows(2)
    bad[1][3] = "palace"
    client.post(
        reverse("dataio:import"), {"project": world.p1.pk, "file": upload(workbook_bytes(bad))}
    )
    job = ImportJob.objects.get()
    assert job.language == "en"
    assert job.errors[0]["message"].startswith("Unknown value “palace”.")


def test_a_job_of_unknown_size_shows_rows_checked_so_far(world, login):
    job = make_job(world, status=ImportJobStatus.VALIDATING, total_rows=0, processed_rows=750)
    body = login("manager").get(reverse("dataio:job-detail", args=[job.pk])).content.decode()
    assert (
        "750" in body and "<progress" in body and 'value="' not in body.split("<progress")[1][:80]
    )


# --- query budgets -----------------------------------------------------------------------------


def test_home_page_query_count_does_not_grow_with_jobs(world, login, django_assert_num_queries):
    client = login("manager")
    make_job(world)
    client.get(reverse("dataio:home"))  # warm the session
    # session, user, scope, projects (two forms and the layout), buildings, jobs
    with django_assert_num_queries(8):
        assert client.get(reverse("dataio:home")).status_code == 200
    for _ in range(12):
        make_job(world)
        make_job(world, project=world.p2, created_by=world.admin)
    with django_assert_num_queries(8):
        client.get(reverse("dataio:home"))


def test_job_list_page_query_count_is_pinned(world, login, django_assert_num_queries):
    client = login("admin")
    for _ in range(30):
        make_job(world)
        make_job(world, project=world.p2, created_by=world.manager2)
    client.get(reverse("dataio:job-list"))
    # session, user, scope, count, projects (filter and layout), jobs
    with django_assert_num_queries(7):
        response = client.get(reverse("dataio:job-list"))
    assert len(response.context["jobs"]) == 50
