import pytest

from wuye.dataio.models import ImportJob
from wuye.dataio.storage import private_storage


@pytest.fixture(autouse=True)
def _file_roots(settings, tmp_path, monkeypatch):
    """Uploaded import files go to a temporary private directory (media too, to prove that
    nothing lands there)."""
    settings.MEDIA_ROOT = tmp_path / "media"
    private = settings.STORAGES["private"]
    settings.STORAGES = {
        **settings.STORAGES,
        "private": {**private, "OPTIONS": {**private["OPTIONS"], "location": tmp_path / "private"}},
    }
    # The field resolved its storage when the model was loaded; give it the test's one.
    monkeypatch.setattr(ImportJob._meta.get_field("file"), "storage", private_storage())
