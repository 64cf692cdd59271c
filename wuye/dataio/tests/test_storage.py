"""Uploaded import files hold personal data: they live in the private storage, which has no URL."""

from __future__ import annotations

from pathlib import Path

import pytest
from django.core.files.storage import storages

from wuye import settings as project_settings
from wuye.dataio.models import ImportJob, ImportJobStatus
from wuye.dataio.services import import_job_submit
from wuye.dataio.storage import PrivateFileSystemStorage, private_storage

from .helpers import rows, upload, workbook_bytes

pytestmark = pytest.mark.django_db


def test_an_uploaded_file_is_stored_privately_without_a_url(world, settings, tmp_path):
    # Given an upload large enough to wait for the worker (so its file is kept)
    settings.WUYE_IMPORT_SYNC_ROWS = 1
    job = import_job_submit(
        actor=world.manager, project=world.p1, upload=upload(workbook_bytes(rows(3)))
    )
    assert job.status == ImportJobStatus.QUEUED

    # Then the file is under the private location, not under MEDIA_ROOT
    path = Path(job.file.path)
    assert path.is_file()
    assert path.is_relative_to(tmp_path / "private")
    assert not path.is_relative_to(Path(settings.MEDIA_ROOT))
    assert not (tmp_path / "media").exists()
    assert job.file.name.startswith("dataio/imports/")
    assert path.stat().st_mode & 0o077 == 0  # readable by the Wuye user only

    # And it has no public URL
    with pytest.raises(ValueError):
        job.file.url  # noqa: B018


def test_the_private_storage_is_configured_apart_from_media():
    # (the settings module itself: the autouse fixture points the storage at a temporary dir)
    field = ImportJob._meta.get_field("file")
    # The migration refers to the callable, not to a location of this machine.
    assert field.deconstruct()[3]["storage"] is private_storage
    configured = storages.create_storage(project_settings.STORAGES["private"])
    assert isinstance(configured, PrivateFileSystemStorage)
    assert Path(configured.location) == Path(project_settings.PRIVATE_ROOT)
    assert Path(project_settings.PRIVATE_ROOT) == Path(project_settings.VAR_DIR) / "private"
    assert not Path(configured.location).is_relative_to(Path(project_settings.MEDIA_ROOT))
    with pytest.raises(ValueError):
        configured.url("dataio/imports/2026/11/units.xlsx")
