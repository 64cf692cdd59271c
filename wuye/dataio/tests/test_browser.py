"""In a browser: upload a file and watch a running job finish without reloading the page."""

from __future__ import annotations

import pytest
from django.conf import settings
from django.test import Client
from django.urls import reverse

from wuye.dataio.models import ImportEvent, ImportJob, ImportJobStatus

from .helpers import rows, workbook_bytes


def _signed_in_page(browser, live_server, user):
    client = Client()
    client.force_login(user)
    context = browser.new_context(locale="zh-CN")
    context.add_cookies(
        [
            {
                "name": settings.SESSION_COOKIE_NAME,
                "value": client.cookies[settings.SESSION_COOKIE_NAME].value,
                "url": live_server.url,
            }
        ]
    )
    return context, context.new_page()


@pytest.mark.browser
def test_manager_uploads_a_file_and_sees_the_counts(live_server, browser, world, tmp_path):
    path = tmp_path / "units.xlsx"
    path.write_bytes(workbook_bytes(rows(5)))
    context, page = _signed_in_page(browser, live_server, world.manager)
    try:
        page.goto(live_server.url + reverse("dataio:home"))
        page.get_by_label("项目").first.select_option(str(world.p1.pk))
        page.get_by_label("Excel 文件（.xlsx）").set_input_files(str(path))
        page.get_by_role("button", name="上传并导入").click()
        page.wait_for_url("**/console/data/jobs/*/")
        status = page.locator("#job-status")
        assert "已完成" in status.inner_text()
        assert status.locator("tbody tr").nth(1).inner_text().split() == ["房屋", "5", "0", "0"]
    finally:
        context.close()


@pytest.mark.browser
def test_a_running_job_page_updates_itself(live_server, browser, world):
    job = ImportJob.objects.create(
        project=world.p1,
        created_by=world.manager,
        original_name="big.xlsx",
        status=ImportJobStatus.VALIDATING,
        total_rows=8000,
        processed_rows=2000,
    )
    context, page = _signed_in_page(browser, live_server, world.manager)
    try:
        page.goto(live_server.url + reverse("dataio:job-detail", args=[job.pk]))
        assert page.locator("#job-status progress").get_attribute("value") == "25"
        page.evaluate("window.stillTheSamePage = true")

        ImportJob.objects.filter(pk=job.pk).update(processed_rows=6000)
        page.wait_for_function(
            "document.querySelector('#job-status progress')?.value == 75", timeout=5000
        )

        ImportJob.objects.filter(pk=job.pk).update(
            status=ImportJobStatus.DONE,
            event=ImportEvent.COMPLETED,
            processed_rows=8000,
            counts={"units": {"created": 8000, "updated": 0, "unchanged": 0}},
        )
        page.locator("#job-status table").wait_for(timeout=5000)
        assert "已完成" in page.locator("#job-status").inner_text()
        assert page.evaluate("window.stillTheSamePage") is True
        assert page.locator("#job-status[hx-trigger]").count() == 0  # polling stopped
    finally:
        context.close()
