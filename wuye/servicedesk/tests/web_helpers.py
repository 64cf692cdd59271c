"""Helpers of the console-screen tests (test_web_*.py): tickets in a given state, tiny images,
private storage in a temporary directory, English pages for asserting on messages."""

from __future__ import annotations

import base64
from typing import Any

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile

from wuye.dataio.storage import private_storage
from wuye.servicedesk import services as s
from wuye.servicedesk.models import Category, Team, Ticket, TicketAttachment, TicketKind

PNG = bytes.fromhex(
    "89504e470d0a1a0a0000000d4948445200000001000000010806000000"
    "1f15c4890000000d49444154789c6360000002000154a24f5d0000000049454e44ae426082"
)
SIGNATURE = "data:image/png;base64," + base64.b64encode(PNG).decode()


def photo(name: str = "leak.png") -> SimpleUploadedFile:
    return SimpleUploadedFile(name, PNG, content_type="image/png")


@pytest.fixture
def private_files(settings, tmp_path, monkeypatch):
    """Attachments go to a temporary private directory."""
    private = settings.STORAGES["private"]
    settings.STORAGES = {
        **settings.STORAGES,
        "private": {**private, "OPTIONS": {**private["OPTIONS"], "location": tmp_path / "private"}},
    }
    monkeypatch.setattr(TicketAttachment._meta.get_field("file"), "storage", private_storage())


def english(client: Any) -> Any:
    """The client browses in English (the language cookie, as the switcher sets it)."""
    client.cookies["django_language"] = "en"
    return client


def water(world: Any) -> Category:
    category, _ = Category.objects.get_or_create(
        project=world.p1, code="water", defaults={"name": "水电"}
    )
    return category


def new_ticket(world: Any, **kwargs: Any) -> Ticket:
    """A p1 in-unit repair for 张三 at 1-101, registered by the desk."""
    defaults: dict[str, Any] = {
        "actor": world.desk,
        "project": world.p1,
        "kind": TicketKind.REPAIR_UNIT,
        "description": "厨房水龙头漏水",
        "category": water(world),
        "unit": world.u1,
        "reporter": world.occupant1,
    }
    return s.ticket_register(**{**defaults, **kwargs})


def dispatched(world: Any, ticket: Ticket | None = None, to: Any = None) -> Ticket:
    ticket = ticket or new_ticket(world)
    return s.ticket_dispatch(actor=world.desk, ticket=ticket, assignee=to or world.tech)


def accepted(world: Any, ticket: Ticket | None = None) -> Ticket:
    return s.ticket_accept(actor=world.tech, ticket=dispatched(world, ticket))


def in_progress(world: Any, ticket: Ticket | None = None) -> Ticket:
    ticket = s.ticket_arrive(actor=world.tech, ticket=accepted(world, ticket))
    return s.ticket_start(actor=world.tech, ticket=ticket)


def completed(world: Any, ticket: Ticket | None = None) -> Ticket:
    return s.ticket_complete(actor=world.tech, ticket=in_progress(world, ticket))


def pooled(world: Any, team: Team | None = None, **kwargs: Any) -> Ticket:
    return s.ticket_dispatch(
        actor=world.desk, ticket=new_ticket(world, **kwargs), assignee=None, team=team
    )
