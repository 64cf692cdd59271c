"""Private file storage: for uploads that hold personal data and must never be served.

Django's ``FileSystemStorage`` falls back to ``MEDIA_URL`` when ``base_url`` is None, so a
plain one would still hand out ``/media/...`` URLs; this one refuses to build a URL at all.
Configured as ``STORAGES["private"]`` (``$WUYE_VAR_DIR/private/`` by default).
"""

from __future__ import annotations

from django.core.files.storage import FileSystemStorage, Storage, storages


class PrivateFileSystemStorage(FileSystemStorage):
    """Files on the local file system that have no URL: read them in Python, never serve them."""

    def url(self, name: str | None) -> str:
        raise ValueError("Private files are not accessible via a URL.")


def private_storage() -> Storage:
    """``STORAGES["private"]``; a callable for ``FileField(storage=...)`` so that migrations
    do not depend on the configured location."""
    return storages["private"]
