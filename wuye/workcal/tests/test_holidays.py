"""Editing the holiday table: admin, CSV import, coverage check."""

from __future__ import annotations

import datetime as dt

import pytest
import time_machine
from django.core.management import CommandError, call_command
from django.urls import reverse

from wuye.audit.models import AuditEvent
from wuye.testing.factories import UserFactory
from wuye.workcal.calendar import WorkingHours, is_working_day
from wuye.workcal.models import Holiday, HolidayKind

pytestmark = [pytest.mark.django_db, pytest.mark.urls("wuye.workcal.tests.urls")]

CSV_2027 = """date,kind,name,note
2027-01-01,holiday,元旦,
2027-02-06,班,春节,make-up Saturday
2027-02-07,休,春节,
"""


@pytest.fixture
def superuser_client(client):
    user = UserFactory(username="root", is_staff=True, is_superuser=True)
    client.force_login(user)
    return client


def test_admin_add_goes_through_the_service_and_takes_effect(superuser_client):
    # given a Monday that is normally working
    assert is_working_day(dt.date(2026, 3, 9), WorkingHours())
    # when an admin adds it as a day off
    response = superuser_client.post(
        reverse("admin:workcal_holiday_add"),
        {"date": "2026-03-09", "kind": "holiday", "name": "停电检修", "note": ""},
    )
    # then the row exists, is audited, and the calendar sees it immediately
    assert response.status_code == 302
    holiday = Holiday.objects.get(date=dt.date(2026, 3, 9))
    assert AuditEvent.objects.filter(
        action="workcal.holiday.created", object_id=str(holiday.pk)
    ).exists()
    assert not is_working_day(dt.date(2026, 3, 9), WorkingHours())


def test_admin_change_and_delete_are_audited(superuser_client):
    holiday = Holiday.objects.create(
        date=dt.date(2026, 3, 9), kind=HolidayKind.HOLIDAY, name="停电检修"
    )
    assert not is_working_day(dt.date(2026, 3, 9), WorkingHours())
    url = reverse("admin:workcal_holiday_change", args=[holiday.pk])
    response = superuser_client.post(
        url, {"date": "2026-03-09", "kind": "workday", "name": "停电检修", "note": ""}
    )
    assert response.status_code == 302
    assert AuditEvent.objects.filter(action="workcal.holiday.updated").count() == 1
    assert is_working_day(dt.date(2026, 3, 9), WorkingHours())
    response = superuser_client.post(
        reverse("admin:workcal_holiday_delete", args=[holiday.pk]), {"post": "yes"}
    )
    assert response.status_code == 302
    assert not Holiday.objects.exists()
    assert AuditEvent.objects.filter(action="workcal.holiday.deleted").count() == 1


@time_machine.travel(dt.datetime(2026, 12, 1, 10, tzinfo=dt.UTC), tick=False)
def test_changelist_filters_by_year_and_warns_about_a_year_without_data(
    superuser_client, django_assert_num_queries
):
    Holiday.objects.create(date=dt.date(2026, 3, 9), kind=HolidayKind.HOLIDAY, name="停电检修")
    Holiday.objects.create(date=dt.date(2028, 1, 1), kind=HolidayKind.HOLIDAY, name="元旦")
    url = reverse("admin:workcal_holiday_changelist")
    with django_assert_num_queries(8):
        response = superuser_client.get(url, {"year": "2028"})
    body = response.content.decode()
    assert "元旦" in body and "停电检修" not in body
    # 2027 is neither in chinese-calendar nor in the table: the admin is told
    assert "2027" in body and "chinese-calendar" in body
    messages = [str(m) for m in response.context["messages"]]
    assert any("2027" in m for m in messages)


def test_admin_is_closed_to_staff_without_admin_rights(client, world):
    client.force_login(world.manager)
    response = client.get(reverse("admin:workcal_holiday_changelist"))
    assert response.status_code == 302  # to the admin login


def test_admin_csv_upload(superuser_client):
    from django.core.files.uploadedfile import SimpleUploadedFile

    url = reverse("admin:workcal_holiday_import")
    assert superuser_client.get(url).status_code == 200
    upload = SimpleUploadedFile("2027.csv", CSV_2027.encode("utf-8-sig"), content_type="text/csv")
    response = superuser_client.post(url, {"file": upload})
    assert response.status_code == 302
    assert Holiday.objects.count() == 3
    bad = SimpleUploadedFile(
        "bad.csv", b"date,kind,name\n2027-13-01,holiday,x\n", content_type="text/csv"
    )
    response = superuser_client.post(url, {"file": bad})
    assert response.status_code == 200
    assert "Line 2" in response.content.decode() or "第 2 行" in response.content.decode()
    assert Holiday.objects.count() == 3


def test_import_command_creates_updates_and_is_idempotent(tmp_path, capsys):
    path = tmp_path / "2027.csv"
    path.write_text(CSV_2027, encoding="utf-8")
    call_command("holidays", "import", str(path))
    assert "3 created" in capsys.readouterr().out
    assert is_working_day(dt.date(2027, 2, 6), WorkingHours())  # a Saturday make-up day
    assert not is_working_day(dt.date(2027, 1, 1), WorkingHours())
    call_command("holidays", "import", str(path))
    assert "0 created, 0 updated, 3 unchanged" in capsys.readouterr().out
    path.write_text(CSV_2027.replace("make-up Saturday", "调休"), encoding="utf-8")
    call_command("holidays", "import", str(path))
    assert "1 updated" in capsys.readouterr().out


@pytest.mark.parametrize(
    "text",
    [
        "day,kind,name\n2027-01-01,holiday,元旦\n",
        "date,kind,name\n2027-01-01,rest,元旦\n",
        "date,kind,name\n2027-01-01,holiday,\n",
        "date,kind,name\n2027-01-01,holiday,元旦\n2027-01-01,holiday,元旦\n",
    ],
)
def test_import_command_rejects_a_bad_file_entirely(tmp_path, text):
    path = tmp_path / "bad.csv"
    path.write_text(text, encoding="utf-8")
    with pytest.raises(CommandError):
        call_command("holidays", "import", str(path))
    assert not Holiday.objects.exists()


def test_check_command_names_each_years_source(capsys):
    Holiday.objects.create(date=dt.date(2028, 1, 1), kind=HolidayKind.HOLIDAY, name="元旦")
    call_command("holidays", "check", "2026", "2027", "2028")
    out = capsys.readouterr().out
    assert "2026: chinese-calendar" in out
    assert "2027: NO holiday data" in out
    assert "2028: Holiday table only" in out
