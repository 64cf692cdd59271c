"""Shared pieces of the isolation matrix (tests/test_isolation.py).

Apps with many routes keep their access cases in ``tests/isolation_cases/<name>.py`` (a
module-level ``CASES`` dict built with :class:`Case`); the matrix merges them all.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass, field
from typing import Any

from django.urls import reverse

P1_MARKERS = ("阳光新邸", "1-101", "张三", "1幢")
OUT_OF_SCOPE = ("manager2", "admin_b", "outsider")


@dataclass
class Case:
    kind: str  # public | object | list | create | resident | self
    path: Callable[[Any], str] | None = None
    method: str = "get"
    data: Callable[[Any], dict[str, Any]] = field(default=lambda w: {})
    insider: str = "admin"  # a user who may reach a p1 object
    api: bool = False
    reason: str = ""


def url(name: str, *args: Callable[[Any], Any]) -> Callable[[Any], str]:
    return lambda w: reverse(name, args=[a(w) for a in args])


def api(path: str) -> Callable[[Any], str]:
    return lambda w: "/api/v1/" + path.format(w=w)


P1 = lambda w: w.p1.pk  # noqa: E731
B1 = lambda w: w.b1.pk  # noqa: E731
U1 = lambda w: w.u1.pk  # noqa: E731
O1 = lambda w: w.occupant1.pk  # noqa: E731


def p1_ticket(w: Any) -> Any:
    """A repair ticket of p1 at unit 1-101 reported by 张三 (the resident's occupant), made
    once per world. Its pages show P1 markers (unit, reporter, project)."""
    cached = getattr(w, "_p1_ticket", None)
    if cached is not None:
        return cached
    from wuye.servicedesk.models import Category
    from wuye.servicedesk.services import ticket_register

    category, _ = Category.objects.get_or_create(
        project=w.p1, code="water", defaults={"name": "水电"}
    )
    ticket = ticket_register(
        actor=w.desk,
        project=w.p1,
        kind="repair_unit",
        description="卫生间漏水",
        category=category,
        unit=w.u1,
        reporter=w.occupant1,
    )
    w._p1_ticket = ticket
    return ticket


T1 = lambda w: p1_ticket(w).pk  # noqa: E731


# A 1×1 PNG (the private storage is a temporary folder in every test: root conftest.py).
_PNG = bytes.fromhex(
    "89504e470d0a1a0a0000000d4948445200000001000000010806000000"
    "1f15c4890000000d49444154789c6360000002000154a24f5d0000000049454e44ae426082"
)


def p1_attachment(w: Any) -> Any:
    """A photo of the p1 ticket, uploaded by the resident who reported it."""
    from django.core.files.base import ContentFile
    from django.utils import timezone

    from wuye.dataio.storage import private_storage
    from wuye.servicedesk.models import TicketAttachment

    name = "servicedesk/isolation/photo.png"
    storage = private_storage()
    if not storage.exists(name):
        storage.save(name, ContentFile(_PNG))
    return TicketAttachment.objects.create(
        ticket=p1_ticket(w),
        kind="photo",
        stage="report",
        file=name,
        name="漏水.png",
        content_type="image/png",
        size=len(_PNG),
        uploaded_by=w.resident,
        created_at=timezone.now(),
    )
