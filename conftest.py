"""Shared pytest fixtures. ``world`` is the standard two-company test world."""

from __future__ import annotations

import pytest

from wuye.testing.factories import PASSWORD
from wuye.testing.world import World, build_world


@pytest.fixture
def world(db) -> World:
    return build_world()


@pytest.fixture
def password() -> str:
    return PASSWORD


@pytest.fixture
def login(client, world):
    """``login("manager")`` logs the Django test client in as that world user."""

    def _login(name: str):
        client.force_login(world.users[name])
        return client

    return _login


@pytest.fixture(autouse=True)
def _english_off(settings):
    settings.LANGUAGE_CODE = "zh-hans"


# --- browser tests (pytest-playwright driving Debian's chromium) ----------------------------
import os  # noqa: E402

# Playwright's sync API runs an event loop in the test thread; Django's ORM calls from
# fixtures in that thread are still synchronous and safe.
os.environ.setdefault("DJANGO_ALLOW_ASYNC_UNSAFE", "true")

CHROMIUM = "/usr/bin/chromium"


@pytest.fixture(scope="session")
def browser_type_launch_args(browser_type_launch_args):
    return {
        **browser_type_launch_args,
        "executable_path": CHROMIUM,
        "args": [
            "--no-sandbox",
            "--disable-gpu",
            "--disable-background-networking",
            "--disable-component-update",
            "--disable-sync",
            "--no-first-run",
            "--disable-quic",
        ],
    }


@pytest.fixture
def phone_context_args(browser_context_args):
    """Context arguments for a phone-sized screen (pass to ``browser.new_context``)."""
    return {
        **browser_context_args,
        "viewport": {"width": 390, "height": 844},
        "is_mobile": True,
        "has_touch": True,
    }


@pytest.fixture(autouse=True)
def _workcal_cache():
    """The working calendar caches holiday rules per process; a rolled-back test must not
    leave its rows behind in that cache."""
    from wuye.workcal.calendar import clear_cache

    clear_cache()
    yield
    clear_cache()


@pytest.fixture(autouse=True)
def _private_files(settings, tmp_path, monkeypatch):
    """Ticket attachments (photos, signatures) go to a temporary private storage in every
    test, so no test writes into var/private."""
    from wuye.dataio.storage import private_storage
    from wuye.servicedesk.models import TicketAttachment

    private = settings.STORAGES["private"]
    settings.STORAGES = {
        **settings.STORAGES,
        "private": {
            **private,
            "OPTIONS": {**private.get("OPTIONS", {}), "location": tmp_path / "private"},
        },
    }
    monkeypatch.setattr(TicketAttachment._meta.get_field("file"), "storage", private_storage())
