import pytest


@pytest.fixture(autouse=True)
def _media_root(settings, tmp_path):
    """Uploaded import files go to a temporary directory."""
    settings.MEDIA_ROOT = tmp_path / "media"
