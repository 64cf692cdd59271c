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
